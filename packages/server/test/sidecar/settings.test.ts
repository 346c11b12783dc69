/**
 * The sidecar settings that change what a client sees, one test each: MEMORY_SESSION_MAX
 * bounds the sessions held in memory, NONCE_TTL is how long a nonce counts as used,
 * BODY_LIMIT the largest body accepted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestSidecar, testSidecar } from './fixtures.js';

let sidecar: TestSidecar | undefined;
afterEach(async () => {
  await sidecar?.close();
  sidecar = undefined;
});

/** How many of `n` clients, each opening a session and then calling once, get their call served. */
async function usableSessions(s: TestSidecar, n: number): Promise<number> {
  const clients = Array.from({ length: n }, () => s.client());
  for (const client of clients) await client.initSession();
  let served = 0;
  for (const client of clients) {
    const result = await client.call('/api/v1/introspect', { token: 'x' }).catch(() => undefined);
    if (result?.status === 200) served++;
  }
  return served;
}

describe('MEMORY_SESSION_MAX', () => {
  it('bounds the sessions the memory store holds: of 5 sessions opened with a bound of 2, at most 2 serve calls', async () => {
    sidecar = await testSidecar({ env: { MEMORY_SESSION_MAX: '2' } });
    const served = await usableSessions(sidecar, 5);
    expect(served).toBeGreaterThanOrEqual(1);
    expect(served).toBeLessThanOrEqual(2);
  });

  it('(control) with the default bound, all 5 serve calls', async () => {
    sidecar = await testSidecar();
    expect(await usableSessions(sidecar, 5)).toBe(5);
  });
});

describe('NONCE_TTL', () => {
  // The timestamp window (CLOCK_SKEW, 300 s) still holds the replayed request; the nonce
  // memory refuses it as a replay for NONCE_TTL seconds after its timestamp, and from then
  // on the timestamp itself is too old (docs/protocol.md section 6): it is never accepted.
  it('a nonce counts as used for NONCE_TTL seconds, then its request is stale', async () => {
    sidecar = await testSidecar({ env: { NONCE_TTL: '60' } });
    const client = sidecar.client();
    const headers = { 'x-idempotency-key': client.newKey().header };
    expect((await client.initSession({ headers })).status).toBe(200);
    sidecar.clock.advance(59_000);
    expect((await client.replayInit()).status).toBe(409);
    sidecar.clock.advance(2_000);
    const stale = await client.replayInit();
    expect(stale.status).toBe(400);
    expect(JSON.parse(stale.body)).toMatchObject({ error: 'invalid_timestamp' });
    // A fresh request of the same client is served.
    expect((await client.initSession()).status).toBe(200);
  });

  it('(control) with the default (600 s), the same nonce is still refused 61 s later', async () => {
    sidecar = await testSidecar();
    const client = sidecar.client();
    const headers = { 'x-idempotency-key': client.newKey().header };
    expect((await client.initSession({ headers })).status).toBe(200);
    sidecar.clock.advance(61_000);
    expect((await client.replayInit()).status).toBe(409);
  });
});

describe('BODY_LIMIT', () => {
  const sessionInit = (s: TestSidecar, bytes: number) => {
    const client = s.client();
    const body = JSON.stringify({ clientPublicKey: 'x', padding: 'p'.repeat(bytes) }).slice(0, bytes - 2) + '"}';
    return client.send({
      path: '/api/v1/session/init',
      headers: { 'content-type': 'application/json', 'x-clientid': 'dev-client', 'x-idempotency-key': client.newKey().header },
      body,
    });
  };

  it('refuses a body over the limit with 413 invalid_request, and reads one at the limit', async () => {
    sidecar = await testSidecar({ env: { BODY_LIMIT: '2048' } });
    const over = await sessionInit(sidecar, 2049);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toMatchObject({ error: 'invalid_request' });
    // At the limit the body is read and judged on its content (here: not a public key).
    const at = await sessionInit(sidecar, 2048);
    expect(at.status).toBe(400);
  });

  it('(control) with the default (64 KiB), the same 2049 bytes are read', async () => {
    sidecar = await testSidecar();
    expect((await sessionInit(sidecar, 2049)).status).toBe(400);
  });
});
