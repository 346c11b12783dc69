/**
 * The verifier remembers tokens whose signature it checked; a remembered token must still
 * be refused for every reason that does not depend on the signature.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { InvalidTokenError } from '../../src/lib/oauth-error.js';
import { AccessTokenVerifier } from '../../src/identity/services/access-tokens.js';
import type { SigningKeyService } from '../../src/identity/services/signing-keys.js';
import type { Database } from '../../src/storage/schema.js';

const ISSUER = 'http://localhost:8140';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

function setup() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = new Map<string, KeyObject>([['k1', publicKey]]);
  const signingKeys = { verificationKey: (kid: string) => Promise.resolve(keys.get(kid)) } as unknown as SigningKeyService;
  const clock = new ManualClock(T0);
  // verify() never reads the database; only revocation (verifyActive) does.
  const verifier = new AccessTokenVerifier({ db: undefined as unknown as Database, signingKeys, clock, issuer: ISSUER });
  const sign = (ttlSec = 900, extra: Record<string, unknown> = {}) =>
    new SignJWT({ client_id: 'c1', scope: 'orders.read', ...extra })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setSubject('u1')
      .setAudience('orders-api')
      .setIssuedAt(Math.floor(T0 / 1000))
      .setExpirationTime(Math.floor(T0 / 1000) + ttlSec)
      .setJti('j1')
      .sign(privateKey);
  return { verifier, clock, keys, sign };
}

describe('remembered token verifications', () => {
  it('gives the same claims the second time', async () => {
    const { verifier, sign } = setup();
    const token = await sign();
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    expect(first).toMatchObject({ sub: 'u1', client_id: 'c1', jti: 'j1' });
  });

  it('refuses a remembered token once it expires, unless expired tokens are allowed (refresh)', async () => {
    const { verifier, clock, sign } = setup();
    const token = await sign(60);
    await verifier.verify(token);
    clock.advance(60_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(verifier.verify(token, { allowExpired: true })).resolves.toMatchObject({ jti: 'j1' });
  });

  it('refuses a remembered token that is not yet valid at the time of use', async () => {
    const { verifier, clock, sign } = setup();
    const token = await sign(900, { nbf: Math.floor(T0 / 1000) });
    await verifier.verify(token);
    clock.set(T0 - 10_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses a remembered token once its signing key may no longer verify', async () => {
    const { verifier, keys, sign } = setup();
    const token = await sign();
    await verifier.verify(token);
    keys.delete('k1');
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('checks a token that differs from a remembered one by a single character in full', async () => {
    const { verifier, sign } = setup();
    const token = await sign();
    await verifier.verify(token);
    // A character inside the signature (the last one may carry only padding bits).
    const at = token.length - 10;
    const altered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    await expect(verifier.verify(altered)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('hands out claims no caller can change for the next one', async () => {
    const { verifier, sign } = setup();
    const token = await sign();
    const claims = await verifier.verify(token);
    expect(Object.isFrozen(claims)).toBe(true);
  });
});
