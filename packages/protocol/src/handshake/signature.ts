/**
 * The sidecar's ES256 signature over a session init transcript (docs/protocol.md
 * section 12.1), checked against a public key from the sidecar's JWKS.
 */
import type { CryptoBackend } from '../backends/types.js';
import { decodeBase64 } from '../base64.js';
import { concat } from '../lib/bytes.js';
import { pointProblem } from '../lib/p256.js';

/** A public key as it appears in a JWKS; only the members this check reads are typed. */
export interface HandshakePublicJwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  alg?: string;
  use?: string;
  kid?: string;
  key_ops?: string[];
  [member: string]: unknown;
}

const BASE64URL = /^[A-Za-z0-9_-]{43}$/;

function base64UrlCoordinate(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64URL.test(value)) throw new TypeError(`JWK ${name} must be 43 base64url characters`);
  const b64 = value.replace(/-/g, '+').replace(/_/g, '/') + '=';
  try {
    return decodeBase64(b64);
  } catch {
    throw new TypeError(`JWK ${name} is not canonical base64url`);
  }
}

/**
 * The 65-byte uncompressed point of an ES256 public JWK. Throws `TypeError` unless it is
 * `kty: EC`, `crv: P-256`, with 32-byte `x` and `y` on the curve, no private `d`, and
 * `alg` (when present) `ES256`: a wrong key is a configuration mistake, not a bad answer.
 */
export function handshakePublicKeyFromJwk(jwk: HandshakePublicJwk): Uint8Array {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('JWK must be an object');
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new TypeError('JWK must be kty EC on crv P-256');
  if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw new TypeError('JWK alg must be ES256');
  if ('d' in jwk) throw new TypeError('JWK must be a public key (it has d)');
  const point = concat(new Uint8Array([0x04]), base64UrlCoordinate(jwk.x, 'x'), base64UrlCoordinate(jwk.y, 'y'));
  const problem = pointProblem(point);
  if (problem !== undefined) throw new TypeError(`JWK is not a P-256 point: ${problem}`);
  return point;
}

/** The signature bytes of a header value or bytes, or `undefined` when it is not 64 bytes of strict base64. */
export function handshakeSignatureBytes(signature: unknown): Uint8Array | undefined {
  if (signature instanceof Uint8Array) return signature.length === 64 ? signature : undefined;
  if (typeof signature !== 'string' || signature.length !== 88) return undefined;
  try {
    return decodeBase64(signature);
  } catch {
    return undefined;
  }
}

/**
 * Whether `signature` (the `X-Handshake-Signature` header as received, or its 64 bytes
 * r || s) is an ES256 signature of the transcript by the key `jwk`. A missing, malformed
 * or wrong signature is `false`; a JWK that is not an ES256 public key throws `TypeError`.
 */
export async function verifyHandshakeSignature(
  backend: CryptoBackend,
  jwk: HandshakePublicJwk,
  transcript: Uint8Array,
  signature: Uint8Array | string | undefined,
): Promise<boolean> {
  const publicKey = handshakePublicKeyFromJwk(jwk);
  const bytes = handshakeSignatureBytes(signature);
  if (bytes === undefined) return false;
  try {
    return await backend.es256Verify(publicKey, transcript, bytes);
  } catch {
    return false;
  }
}
