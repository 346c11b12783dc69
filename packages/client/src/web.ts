/**
 * `@idsvc/client/web` for browsers (and any runtime with WebCrypto): the same API as the
 * Node entry, on `crypto.subtle`, with no Node built-ins, and one difference: it refuses a
 * client secret unless told `dangerouslyAllowSecretInBrowser`.
 *
 * @packageDocumentation
 * @module @idsvc/client/web
 */
import { webProtocol } from '@idsvc/protocol/web';
import { IdentityClientCore, type IdentityClientOptions } from './client.js';
import { ConfigurationError } from './errors.js';

export * from './api.js';

/** Options of the web entry's {@link IdentityClient}. */
export interface WebIdentityClientOptions extends IdentityClientOptions {
  /**
   * Accept `clientSecret` anyway. Code that runs in a page is the user's to read: a
   * Basic or HMAC secret in it is no secret, and whoever copies it can issue tokens as
   * this client. Set this only where the code is not shipped to users (a test page, a
   * worker on your own servers), or for a client registered for exactly that risk.
   */
  dangerouslyAllowSecretInBrowser?: boolean;
}

/**
 * The identity client on WebCrypto. Without `dangerouslyAllowSecretInBrowser` it takes no
 * `clientSecret`, so it cannot `issue`; it introspects, refreshes and revokes with the
 * bearers the app's backend hands it.
 *
 * @example
 * ```ts
 * import { IdentityClient } from '@idsvc/client/web';
 *
 * const client = new IdentityClient({ sidecarUrl: 'https://sidecar.example', clientId });
 * const { data } = await client.refresh({ refreshToken, accessToken });
 * ```
 */
export class IdentityClient extends IdentityClientCore {
  /** @throws {@link ConfigurationError} for a `clientSecret` without `dangerouslyAllowSecretInBrowser: true`, or bad options. */
  constructor(options: WebIdentityClientOptions) {
    super({ ...refuseSecret(options), protocol: webProtocol });
  }
}

function refuseSecret(options: WebIdentityClientOptions): IdentityClientOptions {
  if (options.clientSecret !== undefined && options.dangerouslyAllowSecretInBrowser !== true) {
    throw new ConfigurationError(
      'the web entry refuses a clientSecret: anyone who loads the page can read it',
      'Issue tokens on your server and hand the page its tokens; pass dangerouslyAllowSecretInBrowser: true only if the code never reaches users',
    );
  }
  return options;
}
