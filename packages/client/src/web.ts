/**
 * `@idsvc/client/web` for browsers (and any runtime with WebCrypto): the same API as the
 * Node entry, on `crypto.subtle`, with no Node built-ins.
 */
import { webProtocol } from '@idsvc/protocol/web';
import { IdentityClientCore, type IdentityClientOptions } from './client.js';
import type { ProtocolApi } from './context.js';

export * from './api.js';

/**
 * The identity client on WebCrypto. See {@link IdentityClientCore} for the methods.
 *
 * @example
 * ```ts
 * import { IdentityClient } from '@idsvc/client/web';
 *
 * const client = new IdentityClient({ sidecarUrl: 'https://sidecar.example', clientId, clientSecret });
 * const { data } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'u1' });
 * ```
 */
export class IdentityClient extends IdentityClientCore {
  constructor(options: IdentityClientOptions & { protocol?: ProtocolApi }) {
    super({ ...options, protocol: options.protocol ?? webProtocol });
  }
}
