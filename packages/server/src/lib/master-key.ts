/**
 * The master key that encrypts secrets and signing keys at rest.
 *
 * Production requires MASTER_KEY (the configuration refuses to start without it). In
 * development mode without it, a key is generated once and kept in `dev-master.key` next
 * to the SQLite database (mode 0600), so data written by one run opens in the next.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';

/** Where a warning goes; a pino or Fastify logger fits. */
export interface WarnLogger {
  warn(msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The development key file for a configuration: `dev-master.key` beside the SQLite file. */
export function devMasterKeyPath(config: Config): string {
  return join(dirname(resolve(config.database.sqlitePath)), 'dev-master.key');
}

/**
 * The master key as a fresh 32-byte buffer the caller owns (and zeroizes when done).
 * @throws Error in production mode without MASTER_KEY, or when the development key file is corrupt.
 */
export async function resolveMasterKey(config: Config, log?: WarnLogger): Promise<Buffer> {
  if (config.masterKey !== undefined) return Buffer.from(config.masterKey);
  if (config.mode !== 'development') throw new Error('MASTER_KEY is required in production mode');
  const path = devMasterKeyPath(config);
  await mkdir(dirname(path), { recursive: true });
  const fresh = randomBytes(32);
  try {
    // `wx` fails if the file exists, so two processes starting together keep one key.
    await writeFile(path, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    log?.warn({ path }, 'MASTER_KEY is not set: generated a development master key file; set MASTER_KEY outside development');
    return fresh;
  } catch (err) {
    fresh.fill(0);
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const text = (await readFile(path, 'utf8')).trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    key.fill(0);
    throw new Error(`development master key file ${path} is not 32 bytes of base64`);
  }
  log?.warn({ path }, 'MASTER_KEY is not set: using the development master key file');
  return key;
}
