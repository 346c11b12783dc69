/**
 * `@idsvc/client` for Node: the SDK on the node:crypto backend. Browsers get the same API
 * from `@idsvc/client/web` (WebCrypto).
 *
 * @packageDocumentation
 * @module @idsvc/client
 */
import { protocol } from '@idsvc/protocol';
import { IdentityClientCore, type IdentityClientOptions } from './client.js';

export * from './api.js';

/**
 * A client of the sidecar, on Node's crypto. It opens a session on first use, seals every
 * request, opens every answer, keeps track of the access tokens it may use as bearers, and
 * throws typed errors (`ServiceError` with `status` and `code`, …).
 *
 * @example
 * ```ts
 * import { IdentityClient } from '@idsvc/client';
 *
 * const client = new IdentityClient({
 *   sidecarUrl: 'http://127.0.0.1:8141',
 *   clientId: 'dev-client',
 *   clientSecret: process.env.CLIENT_SECRET!,
 * });
 * const { data: tokens } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'test-user' });
 * const { data: claims } = await client.introspect(tokens.access_token);
 * ```
 */
export class IdentityClient extends IdentityClientCore {
  /** @throws {@link ConfigurationError} when an option cannot work (e.g. `sidecarUrl` is not a URL). */
  constructor(options: IdentityClientOptions) {
    super({ ...options, protocol });
  }
}
