import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClient } from '@idsvc/client';
import { ManualClock } from '@idsvc/server/testing';
import { DEV_BASIC, startTestStack, type TestStack } from './support/stack.js';

// The sidecar's clock is ours to move: advancing it past the session TTL makes the
// sidecar forget a session the client still believes in, so it answers invalid_session.
// 60 s sessions; 61 s of server time is still inside the ±300 s timestamp window.
const serverClock = new ManualClock(Date.now());
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ SESSION_TTL_ANONYMOUS: '60', SESSION_TTL_AUTHENTICATED: '60' }, { clock: serverClock });
});

afterAll(async () => {
  await stack?.close();
});

/** A client whose requests are counted by route. */
function countingClient(options: { renewSession?: boolean; now?: () => number } = {}) {
  const calls: string[] = [];
  const fetchSpy: typeof fetch = (input, init) => {
    calls.push(new URL(String(input)).pathname);
    return fetch(input, init);
  };
  // By default the client's own clock stays put, so it never notices the expiry by itself.
  const frozen = serverClock.now();
  const client = new IdentityClient({
    sidecarUrl: stack.sidecarUrl,
    ...DEV_BASIC,
    fetch: fetchSpy,
    now: options.now ?? (() => frozen),
    ...(options.renewSession !== undefined ? { renewSession: options.renewSession } : {}),
  });
  return { client, calls };
}

const ISSUE = { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', includeRefreshToken: true };

/** Let the sidecar forget every session opened so far, keeping the client's clock still. */
function expireSessionsOnServer(): void {
  serverClock.advance(61_000);
}

describe('session renewal on invalid_session', () => {
  it('issue re-initialises the session and repeats once', async () => {
    const { client, calls } = countingClient();
    const { session: first } = await client.initSession();
    expireSessionsOnServer();
    const result = await client.issue(ISSUE);
    expect(result.status).toBe(200);
    expect(result.attempts).toBe(2);
    expect(result.sessionRenewal?.session.sessionId).not.toBe(first.sessionId);
    expect(first.zeroized).toBe(true);
    expect(calls).toEqual(['/api/v1/session/init', '/api/v1/token/issue', '/api/v1/session/init', '/api/v1/token/issue']);
    client.close();
  });

  it('introspect re-initialises the session and repeats once', async () => {
    const { client, calls } = countingClient();
    const { data } = await client.issue(ISSUE);
    calls.length = 0;
    expireSessionsOnServer();
    const result = await client.introspect(data.access_token);
    expect(result.data.active).toBe(true);
    expect(result.attempts).toBe(2);
    expect(calls).toEqual(['/api/v1/introspect', '/api/v1/session/init', '/api/v1/introspect']);
    client.close();
  });

  it('an authenticated session is renewed as an authenticated session', async () => {
    const { client } = countingClient();
    const { data } = await client.issue(ISSUE);
    await client.refreshSession({ accessToken: data.access_token, subject: 'test-user' });
    expireSessionsOnServer();
    const result = await client.introspect(data.access_token);
    expect(result.attempts).toBe(2);
    expect(result.sessionRenewal?.session.authenticated).toBe(true);
    expect(result.sessionRenewal?.session.subject).toBe('test-user');
    client.close();
  });

  it('refresh re-initialises the session and repeats once: the sidecar forwarded nothing, so the token was not presented', async () => {
    const { client, calls } = countingClient();
    const { data } = await client.issue(ISSUE);
    calls.length = 0;
    expireSessionsOnServer();
    const params = { refreshToken: data.refresh_token!, accessToken: data.access_token };
    const result = await client.refresh(params);
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(calls).toEqual(['/api/v1/token', '/api/v1/session/init', '/api/v1/token']);
    // The token was spent once, by the repeat: its successor rotates (no reuse was detected).
    const next = await client.refresh({ refreshToken: result.data.refresh_token!, accessToken: result.data.access_token });
    expect(next.status).toBe(200);
    client.close();
  });

  it('revoke re-initialises the session and repeats once', async () => {
    const { client, calls } = countingClient();
    const { data } = await client.issue(ISSUE);
    calls.length = 0;
    expireSessionsOnServer();
    const result = await client.revoke({ token: data.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: data.access_token });
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(calls).toEqual(['/api/v1/revoke', '/api/v1/session/init', '/api/v1/revoke']);
    // Revoked for real: the family's access token no longer authenticates (as its own
    // bearer it is refused, which introspection reports as inactive, RFC 7662).
    const dead = await client.introspect(data.access_token);
    expect(dead).toMatchObject({ status: 401, data: { active: false } });
    const asBearer = await client.introspect(data.access_token, { bearer: data.access_token }).catch((e: unknown) => e);
    expect(asBearer).toMatchObject({ status: 401, code: 'invalid_token' });
    client.close();
  });

  it('with renewSession: false, issue is not repeated either', async () => {
    const { client, calls } = countingClient({ renewSession: false });
    await client.initSession();
    calls.length = 0;
    expireSessionsOnServer();
    const err = await client.issue(ISSUE).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'invalid_session' });
    expect(calls).toEqual(['/api/v1/token/issue']);
    client.close();
  });
});

describe('expiry awareness', () => {
  it('a session the client knows has expired is replaced before anything is sent, for every call', async () => {
    let clientNow = serverClock.now();
    const { client, calls } = countingClient({ now: () => clientNow });
    const { data } = await client.issue(ISSUE);
    const before = client.session!;
    expect(before.secondsLeft(clientNow)).toBe(60);
    calls.length = 0;
    // 31 s later the session is within the 30 s safety margin: renew first (nothing was sent yet).
    clientNow += 31_000;
    serverClock.advance(31_000);
    const rotated = await client.refresh({ refreshToken: data.refresh_token!, accessToken: data.access_token });
    expect(rotated.attempts).toBe(1);
    expect(rotated.sessionRenewal).toBeDefined();
    expect(before.zeroized).toBe(true);
    expect(calls).toEqual(['/api/v1/session/init', '/api/v1/token']);
    client.close();
  });
});
