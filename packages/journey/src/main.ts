#!/usr/bin/env node
/**
 * `npm start`: the journey web UI (or `--cli`), against `SIDECAR_URL`, or against an
 * identity API and sidecar started in this very process when `SIDECAR_URL` is unset.
 */
import dotenv from 'dotenv';
import { parseCommandLine, usage, type Args } from './args.js';
import { useColor } from './ansi.js';
import { JourneyConfigError, SIDECAR_KEYS_PATH, loadJourneyConfig, type JourneyConfig } from './config.js';
import type { EmbeddedStack } from './embedded.js';
import { describeStartupError, probeSidecar } from './startup.js';

// The web app and the local stack load only when used: `--help` and the terminal journey
// against SIDECAR_URL start fast.

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage());
    return 0;
  }

  dotenv.config({ quiet: true });
  let config: JourneyConfig;
  try {
    config = loadJourneyConfig(process.env);
  } catch (err) {
    if (!(err instanceof JourneyConfigError)) throw err;
    process.stderr.write(`${err.message}\nFix the variables above in the environment or in .env.\n`);
    return 2;
  }

  let stack: EmbeddedStack | undefined;
  try {
    if (!config.sidecarUrl) {
      // The terminal journey is one-shot: ephemeral ports keep it clear of a running web journey.
      const { startEmbeddedStack } = await import('./embedded.js');
      stack = await startEmbeddedStack(process.env, { ephemeralPorts: args.cli });
    }
  } catch (err) {
    process.stderr.write(`${describeStartupError(err)}\n`);
    return 1;
  }
  const sidecarUrl = config.sidecarUrl ?? (stack as EmbeddedStack).sidecarUrl;
  if (stack && config.sidecarKeysUrl === undefined) {
    // Our own sidecar: trust its handshake keys, so every session init is checked.
    config = Object.freeze({ ...config, sidecarKeysUrl: `${stack.sidecarUrl}${SIDECAR_KEYS_PATH}` });
  }

  if (args.cli) {
    const { runCli } = await import('./cli.js');
    let code = 1;
    try {
      code = await runCli(config, { sidecarUrl, json: args.json, color: useColor(process.env, process.stdout.isTTY) });
    } finally {
      await stack?.close();
    }
    // One-shot: do not wait for idle keep-alive sockets or timers of the stack.
    process.exit(code);
  }
  return serve(config, sidecarUrl, stack);
}

async function serve(config: JourneyConfig, sidecarUrl: string, stack: EmbeddedStack | undefined): Promise<number> {
  const { createJourneyApp } = await import('./app.js');
  const app = await createJourneyApp(config, {
    sidecarUrl,
    identityUrl: config.identityUrl ?? stack?.identityUrl,
    embedded: stack !== undefined,
    logger: { level: 'warn' },
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    process.stderr.write(`${describeStartupError(err)}\n`);
    await stack?.close();
    return 1;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const lines = ['', 'Identity journey is running:'];
  if (stack) {
    lines.push(`  identity API  ${stack.identityUrl}   (development mode, ${stack.storage})`);
    lines.push(`  sidecar       ${stack.sidecarUrl}`);
  } else {
    lines.push(`  sidecar       ${sidecarUrl}   (SIDECAR_URL)`);
  }
  if (config.sidecarKeysUrl) lines.push(`  sidecar keys  ${config.sidecarKeysUrl}   (session inits must be signed by one)`);
  lines.push(`  journey UI    http://localhost:${port}`);
  lines.push(`  client        ${config.clientId} (${config.authMethod === 'hmac' ? 'HMAC' : 'Basic'}), subject ${config.subject}`);
  lines.push('Press Ctrl+C to stop.', '');
  process.stdout.write(lines.join('\n'));

  if (!stack) {
    const problem = await probeSidecar(sidecarUrl);
    if (problem) process.stderr.write(`${problem}\n`);
  }

  const stop = async (): Promise<void> => {
    await app.close();
    await stack?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${describeStartupError(err)}\n`);
    process.exitCode = 1;
  },
);
