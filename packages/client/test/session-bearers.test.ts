/**
 * Which bearer renews an authenticated session, against a real stack with short lifetimes:
 * access tokens live 5 s and authenticated sessions 8 s, so by the time a session is
 * renewed the token it was opened with is long dead, as 900 s tokens are by the end of a
 * 3600 s session in production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClient, NoLiveBearerError, ServiceError } from '@idsvc/client';
import { DEV_BASIC, startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ ACCESS_TOKEN_TTL: '5', SESSION_TTL_AUTHENTICATED: '8' });
});

afterAll(async () => {
  await stack?.close();
});

const SUBJECT = 'test-user';
const ISSUE = { audience: 'orders-api', scope: 'orders.read', subject: SUBJECT, includeRefreshToken: true };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose clock can be moved ahead of the servers', and whose session inits are counted. */
function skewedClient(options: { getAccessToken?: (subject: string | undefined) => string | undefined; expiryMarginSec?: number } = {}) {
  let skewMs = 0;
  const inits: (string | null)[] = [];
  const fetchSpy: typeof fetch = (input, init) => {
    if (String(input).endsWith('/api/v1/session/init')) inits.push(new Headers(init?.headers).get('x-subject'));
    return fetch(input, init);
  };
  const client = new IdentityClient({
    sidecarUrl: stack.sidecarUrl,
    ...DEV_BASIC,
    expiryMarginSec: 0,
    fetch: fetchSpy,
    now: () => Date.now() + skewMs,
    ...options,
  });
  // Past the session's 8 s by the client's clock only (well inside the servers' 300 s window).
  const expireSessionForClient = () => {
    skewMs += 9_000;
  };
  return { client, inits, expireSessionForClient };
}

describe('renewing an authenticated session', () => {
  it('uses the access token the last refresh returned, not the dead one the session was opened with', { timeout: 30_000 }, async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC, expiryMarginSec: 0 });
    const { data: first } = await client.issue(ISSUE);
    const { session: opened } = await client.openAuthenticatedSession({ subject: SUBJECT, accessToken: first.access_token });
    await sleep(6_000); // the first access token is dead now
    const { data: rotated } = await client.refresh({ refreshToken: first.refresh_token!, accessToken: first.access_token });
    await sleep(Math.max(0, opened.expiresAt - Date.now()) + 500); // and so is the session

    const result = await client.issue(ISSUE);
    expect(result.status).toBe(200);
    const renewed = result.sessionRenewal?.session;
    expect(renewed).toMatchObject({ authenticated: true, subject: SUBJECT });
    expect(renewed?.sessionId).not.toBe(opened.sessionId);
    expect(rotated.access_token).not.toBe(first.access_token);
    client.close();
  });

  it('fails with NoLiveBearerError, sending nothing, once the family is revoked; initSession recovers', async () => {
    const { client, inits, expireSessionForClient } = skewedClient();
    const { data } = await client.issue(ISSUE);
    await client.openAuthenticatedSession({ subject: SUBJECT, accessToken: data.access_token });
    await client.revoke({ token: data.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: data.access_token });
    inits.length = 0;
    expireSessionForClient();

    const err = await client.issue(ISSUE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoLiveBearerError);
    expect(err).toMatchObject({ code: 'no_live_bearer', subject: SUBJECT });
    expect(inits).toEqual([]);

    await client.initSession();
    expect((await client.issue(ISSUE)).status).toBe(200);
    client.close();
  });

  it('turns a bearer revoked behind its back (the sidecar says unauthorized) into NoLiveBearerError', async () => {
    // A margin beyond the session's 8 s: every call renews first, while the 5 s token still lives.
    const { client, inits } = skewedClient({ expiryMarginSec: 10 });
    const { data } = await client.issue(ISSUE);
    await client.openAuthenticatedSession({ subject: SUBJECT, accessToken: data.access_token });
    // Another instance of the app revokes the family; this client cannot know.
    const other = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    await other.revoke({ token: data.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: data.access_token });
    other.close();
    inits.length = 0;

    const err = await client.introspect(data.access_token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoLiveBearerError);
    expect((err as NoLiveBearerError).cause).toBeInstanceOf(ServiceError);
    expect((err as NoLiveBearerError).cause).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(inits).toEqual([SUBJECT]);
    // The dead bearer is forgotten: the next attempt fails before sending anything.
    expect(await client.introspect(data.access_token).catch((e: unknown) => e)).toBeInstanceOf(NoLiveBearerError);
    expect(inits).toEqual([SUBJECT]);
    client.close();
  });

  it('asks getAccessToken for the subject\'s current token when one is given', async () => {
    const current: Record<string, string | undefined> = {};
    const asked: (string | undefined)[] = [];
    const { client, expireSessionForClient } = skewedClient({
      getAccessToken: (subject) => {
        asked.push(subject);
        return subject === undefined ? undefined : current[subject];
      },
    });
    // The app's backend issues the tokens; this client only holds what the callback gives.
    const backend = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    current[SUBJECT] = (await backend.issue(ISSUE)).data.access_token;
    const { session } = await client.openAuthenticatedSession({ subject: SUBJECT });
    expect(session).toMatchObject({ authenticated: true, subject: SUBJECT });

    current[SUBJECT] = (await backend.issue(ISSUE)).data.access_token;
    asked.length = 0;
    expireSessionForClient();
    const result = await client.introspect(current[SUBJECT]);
    expect(result.data).toMatchObject({ active: true, sub: SUBJECT });
    expect(result.sessionRenewal?.session).toMatchObject({ authenticated: true, subject: SUBJECT });
    expect(asked).toContain(SUBJECT);

    current[SUBJECT] = undefined;
    expireSessionForClient();
    expect(await client.introspect('anything').catch((e: unknown) => e)).toBeInstanceOf(NoLiveBearerError);
    client.close();
    backend.close();
  });
});
