/** `@idsvc/server/identity`: the identity API as an app or a plugin, its services and client admin. */
export {
  createIdentityApp,
  identityServicesOf,
  type IdentityAppOptions,
  type LoggerSetting,
} from '../identity/app.js';
export { identityPlugin, type IdentityPluginOptions } from '../identity/plugin.js';
export {
  createIdentityServices,
  type IdentityEvents,
  type IdentityServices,
  type IdentityServicesOptions,
} from '../identity/context.js';
export type { AccessTokenClaims } from '../identity/services/access-tokens.js';
export type { IntrospectionResponse } from '../identity/services/introspection.js';
export type { PublishedJwk } from '../identity/services/signing-keys.js';
export type { IssueRequest, TokenResponse } from '../identity/services/token-issuer.js';
export {
  ClientAdminService,
  type ClientView,
  type ClientWithSecret,
  type CreateClientInput,
  type UpdateClientInput,
} from '../identity/admin/service.js';
export { OAuthError } from '../lib/oauth-error.js';
export { resolveMasterKey } from '../lib/master-key.js';
