/**
 * `GET /internal/v1/handshake-keys`: the identity API hands the sidecar its handshake key
 * (docs/protocol.md section 12.1) and the public set to publish — only with the internal
 * secret, never cached, and never one of the token keys.
 */
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { protocol, signHandshakeSync } from '@idsvc/protocol';
import type { HandshakeKeysAnswer } from '../../src/contract/internal-api.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { INTERNAL_SECRET, T0, withIdentity } from '../helpers/identity.js';

const PATH = '/internal/v1/handshake-keys';

describe.each(await databaseTargets())('handshake keys for the sidecar on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET });

  it('does not exist without the internal secret, or with a wrong one', async () => {
    for (const headers of [{}, { 'x-idsvc-internal-auth': `${INTERNAL_SECRET}x` }, { 'x-idsvc-internal-auth': '' }]) {
      const response = await t.app.inject({ method: 'GET', url: PATH, headers });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('pkcs8');
    }
  });

  it('hands out the active private key, which signs for the first published key, and asks to be asked again within a minute', async () => {
    t.clock.set(T0);
    const response = await t.app.inject({ method: 'GET', url: PATH, headers: { 'x-idsvc-internal-auth': INTERNAL_SECRET } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const answer = response.json<HandshakeKeysAnswer>();
    expect(answer.keys.map((k) => k.kid)).toHaveLength(2);
    expect(answer.active.kid).toBe(answer.keys[0]!.kid);
    for (const key of answer.keys) expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(answer.refresh_at).toBeGreaterThan(T0);
    expect(answer.refresh_at).toBeLessThanOrEqual(T0 + 60_000);

    const privateKey = createPrivateKey({ key: Buffer.from(answer.active.pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
    const transcript = new TextEncoder().encode('any bytes at all');
    const signature = signHandshakeSync(privateKey, transcript);
    expect(await protocol.verifyHandshakeSignature(answer.keys[0]!, transcript, signature)).toBe(true);
    expect(await protocol.verifyHandshakeSignature(answer.keys[1]!, transcript, signature)).toBe(false);
  });

  it('shares no key with the token JWKS', async () => {
    const handshake = (await t.app.inject({ method: 'GET', url: PATH, headers: { 'x-idsvc-internal-auth': INTERNAL_SECRET } })).json<HandshakeKeysAnswer>();
    const tokens = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>();
    const tokenKids = new Set(tokens.keys.map((k) => k.kid));
    expect(handshake.keys.some((k) => tokenKids.has(k.kid))).toBe(false);
  });
});
