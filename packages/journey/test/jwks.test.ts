import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyApp } from '../src/app.js';
import { loadJourneyConfig } from '../src/config.js';
import { publicKeysOf } from '../src/routes/jwks.js';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

let stack: TestStack;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await stack?.close();
});

async function appWith(identityUrl: string | undefined): Promise<FastifyInstance> {
  const app = await createJourneyApp(loadJourneyConfig({ REQUEST_TIMEOUT_MS: '2000' }), {
    sidecarUrl: stack.sidecarUrl,
    identityUrl,
  });
  apps.push(app);
  return app;
}

describe('GET /jwks (the identity API keys, for the browser signature check)', () => {
  it('passes on the identity API public keys, and they verify the tokens it issues', async () => {
    const app = await appWith(stack.identityUrl);
    const res = await app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { keys } = res.json() as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThan(0);
    const direct = (await (await fetch(`${stack.identityUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string }[] };
    expect(keys.map((k) => k.kid).sort()).toEqual(direct.keys.map((k) => k.kid).sort());
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    }
  });

  it('says so with a 404 when the identity API URL is not known', async () => {
    const app = await appWith(undefined);
    const res = await app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'jwks_not_configured' });
  });

  it('answers 502 in the error shape when the identity API cannot be reached', async () => {
    const app = await appWith('http://127.0.0.1:1');
    const res = await app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'jwks_unavailable', error_description: expect.any(String) });
  });

  it('passes on only the public members of P-256 keys', () => {
    const keys = publicKeysOf({
      keys: [
        { kid: 'a', kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', d: 'private' },
        { kid: 'rsa', kty: 'RSA', n: 'x', e: 'AQAB' },
        { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' },
        { kid: 'bad', kty: 'EC', crv: 'P-256', x: 'a b', y: 'def' },
      ],
    });
    expect(keys).toEqual([{ kid: 'a', kty: 'EC', crv: 'P-256', x: 'abc', y: 'def', alg: 'ES256', use: 'sig' }]);
    expect(publicKeysOf({ keys: 'nope' })).toBeUndefined();
    expect(publicKeysOf(null)).toBeUndefined();
  });
});
