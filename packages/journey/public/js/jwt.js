// Access tokens in the browser: decode the JWS compact form and check its ES256 signature
// with WebCrypto against the identity API's public keys (GET /jwks on this server).
// An ES256 signature is r‖s (64 bytes), the very form WebCrypto's ECDSA verify takes.

function base64urlBytes(part) {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function base64urlJson(part) {
  return JSON.parse(new TextDecoder().decode(base64urlBytes(part)));
}

/** `{header, claims}` of a JWS compact token, or null when it is not one. */
export function decodeJwt(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const header = base64urlJson(parts[0]);
    const claims = base64urlJson(parts[1]);
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object') return null;
    return { header, claims };
  } catch {
    return null;
  }
}

let keysPromise = null;

/** The public keys, fetched once per page (a failed fetch is tried again next time). */
export function loadJwks() {
  if (!keysPromise) {
    keysPromise = fetch('/jwks').then(async (res) => {
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !Array.isArray(body.keys)) {
        keysPromise = null;
        throw new Error(body.error_description || `HTTP ${res.status}`);
      }
      return body.keys;
    });
  }
  return keysPromise;
}

/**
 * Check a token's signature. Resolves to `{status: 'pass' | 'fail' | 'unknown', kid,
 * reason, jwk}`: 'unknown' when the check could not run (no keys, no WebCrypto).
 */
export async function verifyJwt(token) {
  const decoded = decodeJwt(token);
  if (!decoded) return { status: 'fail', kid: null, reason: 'not a JWS compact token' };
  const kid = typeof decoded.header.kid === 'string' ? decoded.header.kid : null;
  if (decoded.header.alg !== 'ES256') return { status: 'fail', kid, reason: `unexpected alg ${decoded.header.alg}` };
  if (!globalThis.crypto?.subtle) return { status: 'unknown', kid, reason: 'WebCrypto needs a secure context (https or localhost)' };
  let keys;
  try {
    keys = await loadJwks();
  } catch (err) {
    return { status: 'unknown', kid, reason: `no public keys: ${err.message}` };
  }
  // A kid the identity API does not publish cannot be trusted, whatever the signature.
  // Refetch once in case the keys rotated since the page loaded them.
  let jwk = keys.find((k) => k.kid === kid);
  if (!jwk) {
    keysPromise = null;
    try {
      jwk = (await loadJwks()).find((k) => k.kid === kid);
    } catch {
      jwk = undefined;
    }
  }
  if (!jwk) return { status: 'fail', kid, reason: 'kid not in the JWKS' };
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const [h, p, s] = token.split('.');
    const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, base64urlBytes(s),
      new TextEncoder().encode(`${h}.${p}`));
    return { status: ok ? 'pass' : 'fail', kid, reason: ok ? 'signature valid' : 'signature does not match', jwk };
  } catch {
    return { status: 'fail', kid, reason: 'signature does not match', jwk };
  }
}
