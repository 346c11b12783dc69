/**
 * `idsvc serve | identity | sidecar | migrate`: run the server parts, together or apart.
 *
 * Configuration comes from the environment and `.env` (dotenv), validated once at start
 * by the rules of the command's role; any problem stops the command, every one named in
 * one line. SIGINT and SIGTERM close the listeners gracefully: requests in flight get
 * SHUTDOWN_GRACE seconds to finish, then the pools close; a second signal exits at once.
 */
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { Config, RawEnv } from '../config.js';
import { createIdentityApp } from '../identity/app.js';
import { resolveMasterKey } from '../lib/master-key.js';
import { closeGracefully, waitUntilReady } from '../ops/index.js';
import { createSidecarApp } from '../sidecar/app.js';
import { upstreamClientDirectory } from '../sidecar/client-directory.js';
import { httpUpstream } from '../sidecar/upstream-http.js';
import { listenOn, startStack } from '../stack.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';
import { createStores } from '../stores/index.js';
import { commandConfig, readsHelp } from './command-config.js';

/** Where the commands read configuration, write output and wait for a stop signal. */
export interface ServerCommandsIo {
  /** Environment to configure from. Default: `.env` loaded into `process.env`. */
  env?: RawEnv;
  /** Default: process.stdout. */
  stdout?: (text: string) => void;
  /** Resolves when the server should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
}

/** Register `serve`, `identity`, `sidecar` and `migrate` on `program`. */
export function registerServerCommands(program: Command, io: ServerCommandsIo = {}): void {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stopSignal = io.stopSignal ?? firstSignal;

  // Only a process of its own may be ended by force; in-process callers (tests) never are.
  const ownProcess = io.stopSignal === undefined;

  /**
   * Run until `stopped` (a stop signal), then close within the grace period. Each command
   * starts listening for the signal before it starts anything: a signal arriving between
   * "listening on" and the handler would otherwise kill the process by default action (a
   * supervisor reacting to that line at once, on a busy machine, does exactly that).
   */
  const serveUntilStopped = async (stopped: Promise<string>, apps: FastifyInstance[], close: () => Promise<void>, cfg: Config): Promise<void> => {
    const signal = await stopped;
    out(`${signal}: closing\n`);
    const log = (apps[0] as FastifyInstance).log;
    const outcome = await closeGracefully({
      apps,
      close,
      graceMs: cfg.shutdownGraceSec * 1000,
      log,
      ...(ownProcess ? { onStuck: () => process.exit(1) } : {}),
    });
    if (ownProcess) {
      if (outcome === 'cut') process.exitCode = 1;
      // Everything is closed, so the process ends now by itself; if a handle still holds it, say so and end it.
      setTimeout(() => {
        log.error('the process did not end after closing: a handle is still open');
        process.exit(1);
      }, 5000).unref();
    }
  };

  program
    .command('serve')
    .description('identity API and sidecar in one process (ports 8140 and 8141), the sidecar forwarding in process')
    .addHelpText('after', readsHelp('serve'))
    .action(async () => {
      const cfg = commandConfig(io.env, 'serve');
      const stopped = stopSignal();
      const stack = await startStack(cfg);
      out(`identity API listening on ${stack.identityUrl}\nsidecar listening on ${stack.sidecarUrl}\n`);
      await serveUntilStopped(stopped, [stack.sidecarApp, stack.identityApp], stack.close, cfg);
    });

  program
    .command('identity')
    .description('the identity API alone (port 8140); needs INTERNAL_SECRET, shared with the sidecar')
    .addHelpText('after', readsHelp('identity'))
    .action(async () => {
      const cfg = commandConfig(io.env, 'identity');
      const stopped = stopSignal();
      const app = await createIdentityApp({ config: cfg });
      const url = await listenOrClose(app, cfg.identity.host, cfg.identity.port, 'IDENTITY_PORT');
      out(`identity API listening on ${url}\n`);
      await serveUntilStopped(stopped, [app], () => app.close(), cfg);
    });

  program
    .command('sidecar')
    .description('the sidecar alone (port 8141), forwarding over HTTP to the identity API; needs INTERNAL_SECRET, no database')
    .option('--identity-url <url>', 'base URL of the identity API (default: IDENTITY_URL)')
    .addHelpText('after', readsHelp('sidecar'))
    .action(async (options: { identityUrl?: string }) => {
      const cfg = commandConfig(io.env, 'sidecar', { IDENTITY_URL: options.identityUrl });
      // The sidecar's rules require both; the configuration has refused to load without them.
      const identityUrl = present(cfg.sidecar.identityUrl, 'IDENTITY_URL');
      const internalSecret = present(cfg.internalSecret, 'INTERNAL_SECRET');

      const stopped = stopSignal();
      // No database here: which client ids may open sessions is asked of the identity API.
      const masterKey = cfg.redis.url !== undefined ? await resolveMasterKey(cfg) : undefined;
      const stores = createStores(cfg, masterKey ? { masterKey } : {});
      masterKey?.fill(0);
      const upstream = httpUpstream({ url: identityUrl, timeoutMs: cfg.sidecar.upstreamTimeoutMs });
      let sidecar: FastifyInstance;
      try {
        sidecar = await createSidecarApp({
          config: cfg,
          internalSecret,
          upstream,
          clients: upstreamClientDirectory(upstream, internalSecret),
          stores,
        });
      } catch (err) {
        await Promise.all([stores.close(), upstream.close()]);
        throw err;
      }
      const ping = stores.ping?.bind(stores);
      if (ping !== undefined && !(await waitUntilReady([{ name: 'redis', check: ping }], 5000))) {
        sidecar.log.warn('Redis does not answer yet: requests are refused (503) until it does, and /readyz says so');
      }
      const url = await listenOrClose(sidecar, cfg.sidecar.host, cfg.sidecar.port, 'SIDECAR_PORT');
      out(`sidecar listening on ${url}, forwarding to ${identityUrl}\n`);
      await serveUntilStopped(stopped, [sidecar], () => sidecar.close(), cfg);
    });

  program
    .command('migrate')
    .description('bring the database (SQLite file or DATABASE_URL) to the latest schema, then exit')
    .addHelpText('after', readsHelp('migrate'))
    .action(async () => {
      const db = openDatabase(commandConfig(io.env, 'migrate'));
      try {
        const applied = await migrate(db);
        out(`${JSON.stringify({ applied })}\n`);
      } finally {
        await db.destroy();
      }
    });
}

/** Listen, or close the app (releasing what it holds) and rethrow. */
async function listenOrClose(app: FastifyInstance, host: string, port: number, variable: string): Promise<string> {
  try {
    return await listenOn(app, host, port, variable);
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** A value the role's rules require, so loading has already refused its absence. */
function present<T>(value: T | undefined, variable: string): T {
  if (value === undefined) throw new Error(`${variable} is missing although the configuration requires it`);
  return value;
}

/** The first SIGINT or SIGTERM; a second one exits at once, for a close that hangs. */
function firstSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
