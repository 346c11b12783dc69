/**
 * The SQL tables, as Kysely sees them. Times are milliseconds since the Unix epoch
 * (BIGINT); lists and claim objects are JSON text, the same on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export type AuthMethod = 'basic' | 'hmac';
export type ClientStatus = 'active' | 'disabled';
export type FamilyStatus = 'active' | 'revoked';
export type RefreshTokenStatus = 'active' | 'spent' | 'revoked';
export type SigningKeyState = 'next' | 'active' | 'retired';
/** What a signing key signs: access tokens, or the sidecar's session init transcripts. */
export type SigningKeyPurpose = 'token' | 'handshake';

/** A registered client. Exactly one of `secret_hash` (basic) and `secret_box` (hmac) is set. */
export interface ClientsTable {
  id: string;
  name: string;
  auth_method: AuthMethod;
  /** scrypt hash of a Basic secret. */
  secret_hash: string | null;
  /** The HMAC secret, encrypted with the master key (secret-box format). */
  secret_box: string | null;
  /** JSON array of scope strings. */
  scopes: string;
  /** JSON array of audience strings. */
  audiences: string;
  status: ClientStatus;
  created_at: number;
  updated_at: number;
}

/** One issue and everything refreshed from it. */
export interface TokenFamiliesTable {
  id: string;
  client_id: string;
  subject: string;
  /** Space-separated scope granted at issue. */
  scope: string;
  audience: string;
  /** JSON object of the custom claims, copied into every access token of the family. */
  claims: string;
  status: FamilyStatus;
  created_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

/** Refresh tokens, stored only as the SHA-256 of the token. */
export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  status: RefreshTokenStatus;
  created_at: number;
  expires_at: number;
  /** When it was exchanged (status `spent`). */
  spent_at: number | null;
}

/**
 * Access tokens revoked one by one (RFC 7009 on an access token). Issued access tokens are
 * not stored: each `jti` starts with its family id, so a token's family status and this
 * table answer "is it revoked?" in one indexed lookup.
 */
export interface RevokedAccessTokensTable {
  jti: string;
  family_id: string;
  /** The token's own expiry: the row can go once the token is dead anyway. */
  expires_at: number;
  revoked_at: number;
}

/** ES256 signing keys (token and handshake keys) and their rotation state. */
export interface SigningKeysTable {
  kid: string;
  /** Each purpose rotates on its own; `token` for keys made before purposes existed. */
  purpose: SigningKeyPurpose;
  state: SigningKeyState;
  /** Public JWK as JSON text. */
  public_jwk: string;
  /** PKCS#8 DER of the private key, encrypted with the master key (secret-box format). */
  private_box: string;
  created_at: number;
  /** When it starts (or started) signing. */
  activates_at: number;
  /** When it stops (or stopped) signing. */
  retires_at: number;
  /** Once retired: when it leaves the JWKS (its last token has expired). */
  expires_at: number | null;
}

/** Every table of the identity API. */
export interface Tables {
  clients: ClientsTable;
  token_families: TokenFamiliesTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  signing_keys: SigningKeysTable;
}

/** The query layer: a Kysely instance over SQLite or PostgreSQL (a transaction fits too). */
export type Database = Kysely<Tables>;
