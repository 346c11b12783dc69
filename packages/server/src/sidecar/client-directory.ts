import { type Clock, systemClock } from '../lib/clock.js';
import { StoreUnavailableError } from '../stores/errors.js';
import { type ClientStatusAnswer, INTERNAL_AUTH_HEADER, clientStatusPath } from '../contract/internal-api.js';
import type { Upstream } from './upstream.js';

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
 * Concurrent calls for an id that is not cached share one lookup. Otherwise every request
 * in flight when the cache is cold, or when an entry expires, would ask on its own: under
 * load that is one identity API call (or database read) per connection, every `ttlMs`.
 *
 * @example
 * ```ts
 * const clients = cachedClientDirectory(async (id) => (await lookUpClient(id))?.status === 'active');
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
  const asking = new Map<string, Promise<boolean>>();
  // The lookup starts in a later microtask, so the entry is in `asking` before it can settle.
  const ask = (clientId: string): Promise<boolean> => {
    const answer = Promise.resolve(clientId)
      .then(lookup)
      .then((active) => {
        if (active) {
          if (known.size >= maxEntries) known.clear();
          known.set(clientId, clock.now() + ttlMs);
        }
        return active;
      })
      .finally(() => asking.delete(clientId));
    asking.set(clientId, answer);
    return answer;
  };
  return {
    isActive(clientId) {
      const until = known.get(clientId);
      if (until !== undefined) {
        if (until > clock.now()) return Promise.resolve(true);
        known.delete(clientId);
      }
      return asking.get(clientId) ?? ask(clientId);
    },
  };
}

/**
 * The client directory of a remote identity API, for a sidecar run apart: it asks
 * `GET /internal/v1/clients/:id` with the internal secret, so the sidecar needs no database
 * credentials. 200 with status `active` opens sessions; 404 (unknown id) does not; any
 * other answer, or none, is {@link StoreUnavailableError} (503): the sidecar cannot tell, so
 * it refuses. Answers are cached as {@link cachedClientDirectory} describes.
 *
 * @example
 * ```ts
 * const clients = upstreamClientDirectory(httpUpstream({ url, timeoutMs }), internalSecret);
 * ```
 */
export function upstreamClientDirectory(
  upstream: Upstream,
  internalSecret: string,
  options: CachedClientDirectoryOptions = {},
): ClientDirectory {
  return cachedClientDirectory(async (clientId) => {
    let response;
    try {
      response = await upstream.send({ method: 'GET', path: clientStatusPath(clientId), headers: { [INTERNAL_AUTH_HEADER]: internalSecret } });
    } catch (err) {
      throw new StoreUnavailableError('client directory (identity API) did not answer', { cause: err });
    }
    if (response.status === 404) return false;
    if (response.status !== 200) throw new StoreUnavailableError(`client directory (identity API) answered ${response.status}`);
    let answer: unknown;
    try {
      answer = JSON.parse(response.body.toString('utf8'));
    } catch (err) {
      throw new StoreUnavailableError('client directory (identity API) answered something that is not JSON', { cause: err });
    }
    const { id, status } = (answer ?? {}) as Partial<Record<keyof ClientStatusAnswer, unknown>>;
    return id === clientId && status === 'active';
  }, options);
}
