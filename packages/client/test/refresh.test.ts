import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClient, NetworkError, ServiceError } from '@idsvc/client';
import { DEV_BASIC, startTestStack, type TestStack } from './support/stack.js';

// A stack whose clients have a 30 s refresh grace window (docs/tokens.md).
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ REFRESH_GRACE_SECONDS: '30' });
});

afterAll(async () => {
  await stack?.close();
});

const ISSUE = { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', includeRefreshToken: true };

/**
 * A client whose requests are counted by route. `loseAnswers` refreshes have their answer
 * thrown away after the sidecar served them, as a dropped connection would.
 */
function client(options: { refreshGraceSec?: number; loseAnswers?: number; fake502?: number } = {}) {
  const calls: string[] = [];
  let lose = options.loseAnswers ?? 0;
  let fake = options.fake502 ?? 0;
  const fetchSpy: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    calls.push(path);
    if (path === '/api/v1/token' && fake > 0) {
      fake--;
      return new Response(JSON.stringify({ error: 'upstream_unavailable', error_description: 'The identity API did not answer.' }), {
        status: 502,
        headers: { 'content-type': 'application/json' },
      });
    }
    const response = await fetch(input, init);
    if (path === '/api/v1/token' && lose > 0) {
      lose--;
      await response.arrayBuffer();
      throw new TypeError('fetch failed: connection reset');
    }
    return response;
  };
  const c = new IdentityClient({
    sidecarUrl: stack.sidecarUrl,
    ...DEV_BASIC,
    fetch: fetchSpy,
    ...(options.refreshGraceSec !== undefined ? { refreshGraceSec: options.refreshGraceSec } : {}),
  });
  return { client: c, calls };
}

describe('refresh', () => {
  it('concurrent refreshes of one token share one request and all get its answer', async () => {
    const { client: c, calls } = client();
    const { data } = await c.issue(ISSUE);
    calls.length = 0;
    const params = { refreshToken: data.refresh_token!, accessToken: data.access_token };
    const results = await Promise.all(Array.from({ length: 5 }, () => c.refresh(params)));
    expect(calls).toEqual(['/api/v1/token']);
    expect(new Set(results.map((r) => r.data.refresh_token)).size).toBe(1);
    // The next refresh is a request of its own, with the new token.
    const next = await c.refresh({ refreshToken: results[0]!.data.refresh_token!, accessToken: results[0]!.data.access_token });
    expect(next.status).toBe(200);
    expect(calls).toEqual(['/api/v1/token', '/api/v1/token']);
    c.close();
  });

  it("one caller's abort ends only its own wait", async () => {
    const { client: c } = client();
    const { data } = await c.issue(ISSUE);
    const params = { refreshToken: data.refresh_token!, accessToken: data.access_token };
    const controller = new AbortController();
    const aborted = c.refresh(params, { signal: controller.signal });
    const other = c.refresh(params);
    controller.abort();
    await expect(aborted).rejects.toThrow();
    expect((await other).status).toBe(200);
    c.close();
  });

  it('a lost answer is repeated once within the grace window, and gets the same successor', async () => {
    const { client: c, calls } = client({ refreshGraceSec: 30, loseAnswers: 1 });
    const { data } = await c.issue(ISSUE);
    calls.length = 0;
    const result = await c.refresh({ refreshToken: data.refresh_token!, accessToken: data.access_token });
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(2);
    expect(calls).toEqual(['/api/v1/token', '/api/v1/token']);
    // The family lives: the successor rotates, and the token before it is spent.
    const next = await c.refresh({ refreshToken: result.data.refresh_token!, accessToken: result.data.access_token });
    expect(next.status).toBe(200);
    const introspected = await c.introspect(next.data.access_token);
    expect(introspected.data.active).toBe(true);
    c.close();
  });

  it('a 502 is repeated once within the grace window', async () => {
    const { client: c, calls } = client({ refreshGraceSec: 30, fake502: 1 });
    const { data } = await c.issue(ISSUE);
    calls.length = 0;
    const result = await c.refresh({ refreshToken: data.refresh_token!, accessToken: data.access_token });
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(calls).toEqual(['/api/v1/token', '/api/v1/token']);
    c.close();
  });

  it('without a grace window a lost answer is not repeated', async () => {
    const { client: c, calls } = client({ loseAnswers: 1 });
    const { data } = await c.issue(ISSUE);
    calls.length = 0;
    const err = await c.refresh({ refreshToken: data.refresh_token!, accessToken: data.access_token }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(calls).toEqual(['/api/v1/token']);
    c.close();
  });

  it('repeats at most once: a second lost answer reaches the caller', async () => {
    const { client: c, calls } = client({ refreshGraceSec: 30, fake502: 2 });
    const { data } = await c.issue(ISSUE);
    calls.length = 0;
    const err = await c.refresh({ refreshToken: data.refresh_token!, accessToken: data.access_token }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(calls).toEqual(['/api/v1/token', '/api/v1/token']);
    c.close();
  });

  it('refuses a negative grace window', () => {
    expect(() => new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC, refreshGraceSec: -1 })).toThrow(TypeError);
  });
});
