/**
 * The context strings a `SecretBox` binds each sealed value to. A box sealed for one
 * thing cannot be opened as another (a client secret as a signing key, or as another
 * client's secret), because the context is part of the authenticated data.
 *
 * They live here, below the services, because more than one service seals or opens the
 * same kind of value: the admin service seals client secrets, client authentication opens them.
 */
/** The context under which an HMAC client's secret is sealed at rest. */
export function clientSecretContext(clientId: string): string {
  return `client-secret:${clientId}`;
}

/** The context under which a signing key's private key is sealed at rest. */
export function signingKeyContext(kid: string): string {
  return `signing-key:${kid}`;
}

/**
 * The context under which a handshake key's private key is sealed at rest: distinct from
 * {@link signingKeyContext}, so a token key's box never opens as a handshake key or back.
 */
export function handshakeKeyContext(kid: string): string {
  return `handshake-key:${kid}`;
}
