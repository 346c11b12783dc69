/**
 * The local stack for `npm start` without `SIDECAR_URL`: identity API and sidecar in this
 * process, in development mode (SQLite under ./data, development clients seeded).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, loggerOptions, startStack } from '@idsvc/server';
import { pino } from 'pino';

/** The running local stack. */
export interface EmbeddedStack {
  identityUrl: string;
  sidecarUrl: string;
  /** Where the data lives, for the start-up message. */
  storage: string;
  close(): Promise<void>;
}

/**
 * Start the identity API and the sidecar with the server's own configuration read from
 * `env`, always in development mode. Quiet by default (`LOG_LEVEL=warn`) so the journey's
 * output stays readable; `ephemeralPorts` picks free ports instead of 8140/8141.
 */
export async function startEmbeddedStack(
  env: Record<string, string | undefined>,
  options: { ephemeralPorts?: boolean } = {},
): Promise<EmbeddedStack> {
  // The same rules as `idsvc serve`, which runs the same two parts in one process.
  const config = loadConfig(
    {
      ...env,
      LOG_LEVEL: env.LOG_LEVEL?.trim() ? env.LOG_LEVEL : 'warn',
      ...(options.ephemeralPorts ? { IDENTITY_PORT: '0', SIDECAR_PORT: '0' } : {}),
      MODE: 'development',
    },
    { role: 'serve' },
  );
  if (config.database.url === undefined) mkdirSync(dirname(config.database.sqlitePath), { recursive: true });
  // Server logs go to stderr, so stdout carries only the journey (and `--json` stays parseable).
  const logger = pino(loggerOptions(config.logLevel), readableStderr());
  const stack = await startStack(config, { logger });
  return {
    identityUrl: stack.identityUrl,
    sidecarUrl: stack.sidecarUrl,
    storage: config.database.url === undefined ? `SQLite ${config.database.sqlitePath}` : 'PostgreSQL (DATABASE_URL)',
    close: () => stack.close(),
  };
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/**
 * A pino destination that prints `level: message` lines on stderr, for people at a
 * terminal (the server's own deployments keep JSON lines). Redaction happened before.
 */
function readableStderr(): { write(line: string): void } {
  return {
    write(line: string): void {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        const level = LEVELS[entry.level ?? 30] ?? 'log';
        const detail = entry.err?.message ? ` (${entry.err.message})` : '';
        process.stderr.write(`${level}: ${entry.msg ?? ''}${detail}\n`);
      } catch {
        process.stderr.write(line);
      }
    },
  };
}
