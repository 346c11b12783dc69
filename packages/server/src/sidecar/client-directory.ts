import { type Clock, systemClock } from '../lib/clock.js';
import { findClient } from '../storage/clients-repository.js';
import type { Database } from '../storage/schema.js';
import { StoreUnavailableError } from '../stores/errors.js';

/**
 * Which client ids may open a session. Session init refuses any other id, so a session
 * (and its nonces) can only exist for a registered, active client.
 */
export interface ClientDirectory {
  /** Whether `clientId` is a registered client that is not disabled. */
  isActive(clientId: string): Promise<boolean>;
}

/** Options of {@link cachedClientDirectory}. */
export interface CachedClientDirectoryOptions {
  /** How long a positive answer is reused; default 30 s. */
  ttlMs?: number;
  /** Most answers kept; default 10,000. */
  maxEntries?: number;
  clock?: Clock;
}

/**
 * Wrap a lookup (usually one indexed database read) so session init does not pay for it
 * on every call. Only positive answers are cached, briefly: a client disabled meanwhile can
 * still open a session for up to `ttlMs`, but every request it then sends is refused by the
 * identity API, which checks the client itself.
 *
 * @example
 * ```ts
 * const clients = cachedClientDirectory(async (id) => (await findClient(db, id))?.status === 'active');
 * ```
 */
export function cachedClientDirectory(
  lookup: (clientId: string) => Promise<boolean>,
  options: CachedClientDirectoryOptions = {},
): ClientDirectory {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.clock ?? systemClock;
  const known = new Map<string, number>();
  return {
    async isActive(clientId) {
      const until = known.get(clientId);
      if (until !== undefined) {
        if (until > clock.now()) return true;
        known.delete(clientId);
      }
      const active = await lookup(clientId);
      if (active) {
        if (known.size >= maxEntries) known.clear();
        known.set(clientId, clock.now() + ttlMs);
      }
      return active;
    },
  };
}

/**
 * The client directory of the identity database: a client may open sessions while its
 * status is `active`. Answers are cached as {@link cachedClientDirectory} describes.
 */
export function databaseClientDirectory(db: Database, options: CachedClientDirectoryOptions = {}): ClientDirectory {
  return cachedClientDirectory(async (clientId) => {
    try {
      return (await findClient(db, clientId))?.status === 'active';
    } catch (err) {
      throw new StoreUnavailableError('client directory did not answer', { cause: err });
    }
  }, options);
}
