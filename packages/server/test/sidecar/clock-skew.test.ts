/**
 * CLOCK_SKEW sets how far a request's timestamp may be from the sidecar's clock, for a
 * session init and for a sealed call alike: inside the window served, outside it refused
 * with 400 invalid_timestamp (before any replay bookkeeping or forwarding).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WireClient, injectTransport } from '../helpers/wire-client.js';
import { type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

/** A client whose clock is `skew.ms` away from the sidecar's; the skew may change between calls. */
function skewedClient(s: TestSidecar, skew: { ms: number }): WireClient {
  return new WireClient({ transport: injectTransport(s.app), clientId: 'dev-client', now: () => s.clock.now() + skew.ms });
}

const errorOf = (body: string): unknown => (JSON.parse(body) as { error?: unknown }).error;

describe('CLOCK_SKEW', () => {
  it.each([
    ['30 s', '30', 29_000, 31_000],
    ['the default (300 s)', undefined, 299_000, 301_000],
  ])('with %s, session init is served inside the window and refused outside it, either way', async (_what, setting, inside, outside) => {
    sidecar = await testSidecar({ env: setting === undefined ? {} : { CLOCK_SKEW: setting } });
    for (const ms of [inside, -inside]) expect((await skewedClient(sidecar, { ms }).initSession()).status, `${ms} ms`).toBe(200);
    for (const ms of [outside, -outside]) {
      const refused = await skewedClient(sidecar, { ms }).initSession();
      expect(refused.status, `${ms} ms`).toBe(400);
      expect(errorOf(refused.body)).toBe('invalid_timestamp');
    }
  });

  it('applies to sealed calls too: a call 31 s off is refused under CLOCK_SKEW=30, and not forwarded', async () => {
    sidecar = await testSidecar({ env: { CLOCK_SKEW: '30' } });
    const skew = { ms: 0 };
    const client = skewedClient(sidecar, skew);
    expect((await client.initSession()).status).toBe(200);
    skew.ms = 29_000;
    expect((await client.call('/api/v1/introspect', { token: 'x' })).status).toBe(200);
    const forwarded = sidecar.fake.received.length;
    skew.ms = 31_000;
    const refused = await client.call('/api/v1/introspect', { token: 'x' });
    expect(refused.status).toBe(400);
    expect((refused.json as { error?: unknown }).error).toBe('invalid_timestamp');
    expect(sidecar.fake.received).toHaveLength(forwarded);
  });
});
