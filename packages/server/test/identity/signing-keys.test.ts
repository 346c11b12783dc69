/**
 * Signing keys and their rotation: next → active → retired, with a ManualClock.
 * A next key is published before it signs; a retired key stays published until the last
 * token it signed has expired.
 */
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createIdentityServices, type IdentityServices } from '../../src/identity/context.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { SigningKeyService } from '../../src/identity/services/signing-keys.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0, decodeJwt } from '../helpers/identity.js';

const DAY = 24 * 3600_000;
const ROTATION = 30 * DAY;
const ACCESS_TTL = 900_000;
const LEEWAY = 60_000;

const targets = await databaseTargets();

// One key service over several rotation periods: each test moves the shared clock on from
// where the one before left it, so the tests of this file keep their written order even
// in a shuffled run (the files themselves are still shuffled).
describe('signing keys over time', { shuffle: false }, () => describe.each(targets)('signing key rotation on $kind', (target) => {
  const tdb = withDatabase(target);
  const clock = new ManualClock(T0);
  const masterKey = randomBytes(32);
  let services: IdentityServices;

  beforeAll(async () => {
    const config = loadConfig({ MODE: 'production', LOG_LEVEL: 'silent', MASTER_KEY: masterKey.toString('base64'), ADMIN_TOKEN: 'a'.repeat(40), ...tdb.env });
    services = await createIdentityServices({ config, db: tdb.db, clock, masterKey, prune: false });
  });
  afterAll(() => services?.close());

  const states = async (purpose: 'token' | 'handshake' = 'token') =>
    (
      await tdb.db
        .selectFrom('signing_keys')
        .select(['kid', 'state', 'activates_at', 'retires_at', 'expires_at'])
        .where('purpose', '=', purpose)
        .orderBy('activates_at')
        .execute()
    ).map((r) => ({
      ...r,
      activates_at: Number(r.activates_at),
      retires_at: Number(r.retires_at),
      expires_at: r.expires_at === null ? null : Number(r.expires_at),
    }));
  const published = async () => (await services.signingKeys.jwks()).keys.map((k) => k.kid);
  const sign = async () => {
    const client = { id: 'keys-client' };
    const minted = await services.issuer.mintAccessToken({ familyId: 'f', clientId: client.id, subject: 's', scope: 'x', audience: 'a', claims: {} }, clock.now());
    return minted.token;
  };

  it('creates an active key and a next key on first start, and publishes both', async () => {
    const keys = await states();
    expect(keys.map((k) => k.state)).toEqual(['active', 'next']);
    const [active, next] = keys;
    expect(active).toMatchObject({ activates_at: T0, retires_at: T0 + ROTATION });
    expect(next).toMatchObject({ activates_at: T0 + ROTATION });
    expect(await published()).toEqual([active!.kid, next!.kid]);
    const jwks = await services.signingKeys.jwks();
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' });
      expect(key).not.toHaveProperty('d');
    }
    expect(decodeJwt(await sign()).header.kid).toBe(active!.kid);
  });

  it('keeps private keys encrypted at rest, token and handshake keys each under their own context', async () => {
    const rows = await tdb.db.selectFrom('signing_keys').select(['kid', 'purpose', 'private_box', 'public_jwk']).execute();
    expect(rows.map((r) => r.purpose).sort()).toEqual(['handshake', 'handshake', 'token', 'token']);
    for (const row of rows) {
      expect(row.private_box).toMatch(/^v1\./);
      expect(row.public_jwk).not.toContain('"d"');
      // It opens with the master key under its own purpose and kid, and not under another.
      const box = new SecretBox(masterKey);
      const [own, other] = row.purpose === 'token' ? ['signing-key', 'handshake-key'] : ['handshake-key', 'signing-key'];
      expect(box.open(row.private_box, `${own}:${row.kid}`).length).toBeGreaterThan(32);
      expect(() => box.open(row.private_box, `${own}:other`)).toThrow();
      expect(() => box.open(row.private_box, `${other}:${row.kid}`)).toThrow();
    }
  });

  it('keeps handshake keys apart: their own active and next key, never in the token JWKS, never verifying a token', async () => {
    const handshake = await states('handshake');
    expect(handshake.map((k) => k.state)).toEqual(['active', 'next']);
    expect(handshake[0]).toMatchObject({ activates_at: T0, retires_at: T0 + ROTATION });
    const tokenKids = await published();
    for (const key of handshake) {
      expect(tokenKids).not.toContain(key.kid);
      expect(await services.signingKeys.verificationKey(key.kid)).toBeUndefined();
    }
    expect((await services.handshakeKeys.jwks()).keys.map((k) => k.kid)).toEqual(handshake.map((k) => k.kid));
    expect((await services.handshakeKeys.signingKey()).kid).toBe(handshake[0]!.kid);
  });

  it('rotates handshake keys on the same schedule; a retired one stays published for the authenticated session lifetime', async () => {
    const [oldActive, oldNext] = await states('handshake');
    clock.set(T0 + ROTATION);
    expect((await services.handshakeKeys.signingKey()).kid).toBe(oldNext!.kid);
    const retired = (await states('handshake')).find((k) => k.kid === oldActive!.kid)!;
    expect(retired).toMatchObject({ state: 'retired', expires_at: T0 + ROTATION + 3600_000 + LEEWAY });
    expect((await services.handshakeKeys.jwks()).keys.map((k) => k.kid)).toContain(oldActive!.kid);
    clock.set(retired.expires_at!);
    expect((await services.handshakeKeys.jwks()).keys.map((k) => k.kid)).not.toContain(oldActive!.kid);
    clock.set(T0);
  });

  it('rotates when the period ends: the published next key signs, a new next key is published, the old key stays published', async () => {
    const [oldActive, oldNext] = await states();
    const before = await sign();
    const cachedJwks = createLocalJWKSet((await services.signingKeys.jwks()) as JSONWebKeySet);
    clock.set(T0 + ROTATION);
    const after = await sign();
    expect(decodeJwt(after).header.kid).toBe(oldNext!.kid);
    const keys = await states();
    expect(keys.find((k) => k.kid === oldActive!.kid)).toMatchObject({ state: 'retired', retires_at: T0 + ROTATION, expires_at: T0 + ROTATION + ACCESS_TTL + LEEWAY });
    expect(keys.find((k) => k.kid === oldNext!.kid)).toMatchObject({ state: 'active', activates_at: T0 + ROTATION, retires_at: T0 + 2 * ROTATION });
    const newNext = keys.find((k) => k.state === 'next')!;
    expect(newNext.activates_at).toBe(T0 + 2 * ROTATION);
    expect(await published()).toEqual([oldNext!.kid, newNext.kid, oldActive!.kid]);

    // A verifier holding the JWKS it fetched before the rotation verifies tokens of the new key.
    const { protectedHeader } = await jwtVerify(after, cachedJwks, { currentDate: new Date(clock.now()) });
    expect(protectedHeader.kid).toBe(oldNext!.kid);
    // A token signed by the retired key still verifies while unexpired.
    const jwks = createLocalJWKSet((await services.signingKeys.jwks()) as JSONWebKeySet);
    await expect(jwtVerify(before, jwks, { currentDate: new Date(clock.now()) })).rejects.toThrow(/exp/);
    expect((await services.verifier.verify(before, { allowExpired: true })).sub).toBe('s');
  });

  it('unpublishes a retired key once the last token it signed has expired', async () => {
    const retired = (await states()).find((k) => k.state === 'retired')!;
    clock.set(retired.expires_at! - 1);
    expect(await published()).toContain(retired.kid);
    clock.set(retired.expires_at!);
    expect(await published()).not.toContain(retired.kid);
  });

  it('still checks the signature of an expired bearer of a retired key (for refresh) until the refresh lifetime has passed, then forgets the key', async () => {
    const retired = (await states()).find((k) => k.state === 'retired')!;
    expect(await services.signingKeys.verificationKey(retired.kid)).toBeDefined();
    clock.set(retired.retires_at + 30 * DAY + LEEWAY + 1);
    expect(await services.signingKeys.verificationKey(retired.kid)).toBeUndefined();
    await services.signingKeys.refresh();
    expect((await states()).map((k) => k.kid)).not.toContain(retired.kid);
  });

  it('always has exactly one active and one next key, even when several processes start and rotate at once', async () => {
    clock.set(T0 + 3 * ROTATION + 5);
    const box = new SecretBox(masterKey);
    const options = { secretBox: box, clock, rotationSec: ROTATION / 1000, accessTokenTtlSec: 900, refreshTokenTtlSec: 30 * 24 * 3600 };
    const others = [0, 1, 2].map(() => new SigningKeyService({ ...options, db: tdb.connect() }));
    await Promise.all([...others.map((s) => s.start()), services.signingKeys.refresh()]);
    const keys = await states();
    expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
    expect(keys.filter((k) => k.state === 'next')).toHaveLength(1);
    const kids = await Promise.all(others.map(async (s) => (await s.signingKey()).kid));
    expect(new Set([...kids, (await services.signingKeys.signingKey()).kid]).size).toBe(1);
  });

  it('a key published as next by another process is found on demand (unknown kid triggers a re-read)', async () => {
    const box = new SecretBox(masterKey);
    const other = new SigningKeyService({ db: tdb.connect(), secretBox: box, clock, rotationSec: ROTATION / 1000, accessTokenTtlSec: 900, refreshTokenTtlSec: 30 * 24 * 3600 });
    await other.start();
    const { kid } = await other.signingKey();
    expect(await services.signingKeys.verificationKey(kid)).toBeDefined();
    expect(await services.signingKeys.verificationKey('no-such-kid')).toBeUndefined();
  });
}));
