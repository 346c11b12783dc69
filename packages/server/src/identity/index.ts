/** The identity API: app, plugin, services. */
export { createIdentityApp, identityDispatcherOf, identityServicesOf, type IdentityAppOptions, type LoggerSetting } from './app.js';
export { identityOperations, identityPlugin, type IdentityPluginOptions } from './plugin.js';
export { OperationDispatcher, type Operation, type OperationAnswer, type OperationCall } from './operation.js';
export { createIdentityServices, type IdentityEvents, type IdentityServices, type IdentityServicesOptions } from './context.js';
export { DEV_CLIENTS, seedDevClients } from './dev-clients.js';
export { AccessTokenVerifier, type AccessTokenClaims } from './services/access-tokens.js';
export { ClientAuthenticator } from './services/client-auth.js';
export { IntrospectionService, type IntrospectionResponse } from './services/introspection.js';
export { RefreshRotation } from './services/refresh-rotation.js';
export { RevocationService } from './services/revocation.js';
export { SigningKeyService, type PublishedJwk } from './services/signing-keys.js';
export { RESERVED_CLAIMS, TokenIssuer, refreshTokenHash, type TokenResponse, type IssueRequest } from './services/token-issuer.js';
