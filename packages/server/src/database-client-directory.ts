/**
 * The client directory of the embedded stack, which has the identity database at hand. It
 * is built here, where both services meet, so the sidecar itself never depends on storage:
 * it is handed a lookup, like the remote one of `upstreamClientDirectory`.
 */
import { type CachedClientDirectoryOptions, type ClientDirectory, cachedClientDirectory } from './sidecar/client-directory.js';
import { findClient } from './storage/clients-repository.js';
import type { Database } from './storage/schema.js';
import { StoreUnavailableError } from './stores/errors.js';

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
