/**
 * The embedded stack: identity API and sidecar in one process, the sidecar reaching the
 * identity API in process (no socket: see inProcessUpstream), each also listening on its own port.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { KeyPair } from '@idsvc/protocol';
import type { Config } from './config.js';
import { createIdentityApp } from './identity/app.js';
import type { Clock } from './lib/clock.js';
import { resolveMasterKey } from './lib/master-key.js';
import { createSidecarApp } from './sidecar/app.js';
import { databaseClientDirectory } from './database-client-directory.js';
import { inProcessUpstream } from './in-process-upstream.js';
import { openDatabase } from './storage/database.js';
import type { Database } from './storage/schema.js';
import { type SidecarStores, createStores } from './stores/index.js';

/** Options of {@link startStack}; everything has a default taken from the configuration. */
export interface StackOptions {
  clock?: Clock;
  /** One logger for both parts, instead of pino at `config.logLevel`. */
  logger?: FastifyBaseLogger;
  /** A database to use (the caller closes it); default `openDatabase(config)`, closed with the stack. */
  db?: Database;
  /** Sidecar stores; default memory, or Redis when REDIS_URL is set. */
  stores?: SidecarStores;
  /** The sidecar's key pairs and session ids, for replaying fixed vectors. */
  generateKeyPair?: () => KeyPair;
  newSessionId?: () => string;
}

/** A running stack. */
export interface Stack {
  /** Where the identity API listens, e.g. `http://127.0.0.1:8140`. */
  identityUrl: string;
  /** Where the sidecar listens, e.g. `http://127.0.0.1:8141`. */
  sidecarUrl: string;
  identityApp: FastifyInstance;
  sidecarApp: FastifyInstance;
  /** Stop both listeners (sidecar first) and release stores and database. */
  close(): Promise<void>;
}

/** A port that cannot be bound, explained in one line. */
export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, variable: string, options?: { cause?: unknown }) {
    super(`port ${port} is already in use: stop the other process or set ${variable}`, options);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/**
 * Listen on `host:port`, turning EADDRINUSE into {@link PortInUseError} that names the
 * variable to change. Port 0 picks a free port.
 */
export async function listenOn(app: FastifyInstance, host: string, port: number, variable: string): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, variable, { cause: err });
    throw err;
  }
}

/**
 * Build the identity API and the sidecar in one process and start both listeners
 * (IDENTITY_HOST/IDENTITY_PORT, SIDECAR_HOST/SIDECAR_PORT). The internal secret is
 * INTERNAL_SECRET, or 32 random bytes for this process when unset.
 *
 * @example
 * ```ts
 * const stack = await startStack(loadConfig(process.env));
 * console.log(`sidecar on ${stack.sidecarUrl}`);
 * process.once('SIGTERM', () => void stack.close());
 * ```
 */
export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const internalSecret = config.internalSecret ?? randomBytes(32).toString('hex');
  const ownsDb = options.db === undefined;
  const db = options.db ?? openDatabase(config);
  let identityApp: FastifyInstance | undefined;
  let sidecarApp: FastifyInstance | undefined;
  try {
    identityApp = await createIdentityApp({
      config,
      db,
      internalSecret,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const stores = options.stores ?? (await defaultStores(config, options.clock, identityApp.log));
    sidecarApp = await createSidecarApp({
      config,
      internalSecret,
      upstream: inProcessUpstream(identityApp, { timeoutMs: config.sidecar.upstreamTimeoutMs }),
      clients: databaseClientDirectory(db, options.clock ? { clock: options.clock } : {}),
      stores,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.generateKeyPair ? { generateKeyPair: options.generateKeyPair } : {}),
      ...(options.newSessionId ? { newSessionId: options.newSessionId } : {}),
    });
    const identityUrl = await listenOn(identityApp, config.identity.host, config.identity.port, 'IDENTITY_PORT');
    const sidecarUrl = await listenOn(sidecarApp, config.sidecar.host, config.sidecar.port, 'SIDECAR_PORT');
    const identity = identityApp;
    const sidecar = sidecarApp;
    let closing: Promise<void> | undefined;
    return {
      identityUrl,
      sidecarUrl,
      identityApp: identity,
      sidecarApp: sidecar,
      close: () => (closing ??= closeAll(sidecar, identity, ownsDb ? db : undefined)),
    };
  } catch (err) {
    await closeAll(sidecarApp, identityApp, ownsDb ? db : undefined).catch(() => undefined);
    throw err;
  }
}

/** Memory stores, or Redis ones (with the master key, from the development key file if need be). */
async function defaultStores(config: Config, clock: Clock | undefined, log: FastifyBaseLogger): Promise<SidecarStores> {
  if (config.redis.url === undefined) return createStores(config, { ...(clock ? { clock } : {}) });
  const masterKey = await resolveMasterKey(config, log);
  try {
    return createStores(config, { masterKey, logger: log, ...(clock ? { clock } : {}) });
  } finally {
    masterKey.fill(0);
  }
}

async function closeAll(sidecar: FastifyInstance | undefined, identity: FastifyInstance | undefined, db: Database | undefined): Promise<void> {
  // The sidecar first: no new request reaches the identity API while it closes.
  await sidecar?.close();
  await identity?.close();
  await db?.destroy();
}
