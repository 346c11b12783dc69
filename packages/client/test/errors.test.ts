import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConfigurationError,
  HandshakeUnverifiedError,
  IdentityClient,
  IdentityClientError,
  NetworkError,
  NoLiveBearerError,
  ResponseError,
  ServiceError,
  TimeoutError,
  type ClientErrorCode,
  type IdentityErrorCode,
} from '@idsvc/client';
import { DEV_BASIC, DEV_HMAC, startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.close();
});

const ISSUE = { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', includeRefreshToken: true };

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
}

describe('typed errors carry the HTTP status and the OAuth error code', () => {
  it('a wrong Basic secret is 401 invalid_client, answered by the identity API', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, clientId: 'dev-client', clientSecret: 'wrong-secret' });
    const err = await failure(client.issue(ISSUE));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_client', encrypted: true });
    expect((err as ServiceError).wire?.responseBodyPlaintext).toContain('invalid_client');
    client.close();
  });

  it('a wrong HMAC secret is 401 invalid_client', async () => {
    const client = new IdentityClient({
      sidecarUrl: stack.sidecarUrl,
      clientId: DEV_HMAC.clientId,
      clientSecret: 'not-the-partner-secret-at-all-32-chars!!',
      authMethod: 'hmac',
    });
    expect(await failure(client.issue(ISSUE))).toMatchObject({ status: 401, code: 'invalid_client' });
    client.close();
  });

  it('a client registered for HMAC is refused with Basic', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_HMAC, authMethod: 'basic' });
    expect(await failure(client.issue(ISSUE))).toMatchObject({ status: 401, code: 'invalid_client' });
    client.close();
  });

  it('an unknown client cannot even open a session (plaintext 401 invalid_client)', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, clientId: 'nobody', clientSecret: 'x' });
    const err = await failure(client.initSession());
    expect(err).toMatchObject({ status: 401, code: 'invalid_client' });
    expect((err as ServiceError).encrypted).toBe(false);
  });

  it('a bad bearer is 401 invalid_token', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const err = await failure(client.introspect('some-token', { bearer: 'not.a.jwt' }));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_token' });
    client.close();
  });

  it('an authenticated session with a bad bearer is 401 unauthorized', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const err = await failure(client.openAuthenticatedSession({ accessToken: 'not.a.jwt', subject: 'test-user' }));
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('an authenticated session for another subject is 401 unauthorized', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data } = await client.issue(ISSUE);
    const err = await failure(client.openAuthenticatedSession({ accessToken: data.access_token, subject: 'someone-else' }));
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
    client.close();
  });

  it('a spent refresh token is 400 invalid_grant', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data } = await client.issue(ISSUE);
    const params = { refreshToken: data.refresh_token!, accessToken: data.access_token };
    await client.refresh(params);
    expect(await failure(client.refresh(params))).toMatchObject({ status: 400, code: 'invalid_grant' });
    client.close();
  });

  it('an audience the client may not ask for is 400 invalid_target', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    expect(await failure(client.issue({ ...ISSUE, audience: 'payroll-api' }))).toMatchObject({
      status: 400,
      code: 'invalid_target',
    });
    client.close();
  });
});

describe('transport failures', () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: only the request timeout ends the wait.
    silent = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a sidecar that does not answer in time is a TimeoutError (code timeout, status 0)', async () => {
    const client = new IdentityClient({ sidecarUrl: silentUrl, ...DEV_BASIC, timeoutMs: 300 });
    const err = await failure(client.initSession());
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'timeout', status: 0 });
    expect((err as TimeoutError).wire?.requestHeaders['X-ClientId']).toBe('dev-client');
  });

  it('a sidecar that cannot be reached is a NetworkError (code network_error)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const port = typeof address === 'object' && address ? address.port : 9;
    const client = new IdentityClient({ sidecarUrl: `http://127.0.0.1:${port}`, ...DEV_BASIC });
    const err = await failure(client.initSession());
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'network_error', status: 0 });
  });

  it("a caller's abort is an AbortedError (code aborted) with the signal's reason as cause, never a raw AbortError", async () => {
    const client = new IdentityClient({ sidecarUrl: silentUrl, ...DEV_BASIC, timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = failure(client.initSession({ signal: controller.signal }));
    controller.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toBeInstanceOf(IdentityClientError);
    expect(err).toMatchObject({ code: 'aborted', status: 0 });
    expect(((err as AbortedError).cause as Error).name).toBe('AbortError');
    expect((err as AbortedError).wire?.url).toBe(`${silentUrl}/api/v1/session/init`);
  });

  it('a signal aborted before the call is an AbortedError too, and nothing is sent', async () => {
    let sent = 0;
    const fetchSpy: typeof fetch = (input, init) => {
      sent += 1;
      return fetch(input, init);
    };
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC, fetch: fetchSpy });
    const err = await failure(client.issue(ISSUE, { signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(AbortedError);
    expect(sent).toBe(0);
  });
});

describe('an error code is one the protocol defines, or one of the SDK\'s own', () => {
  const answering = (body: unknown) => (async () =>
    new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } })) as typeof globalThis.fetch;

  it('a wire code becomes a ServiceError whose code the compiler knows', async () => {
    const client = new IdentityClient({ sidecarUrl: 'http://sidecar.test', clientId: 'dev-client', clientSecret: 's', fetch: answering({ error: 'invalid_timestamp', error_description: 'stale' }) });
    const err = await failure(client.initSession());
    expect(err).toBeInstanceOf(ServiceError);
    const code: IdentityErrorCode = (err as ServiceError).code;
    expect(code).toBe('invalid_timestamp');
    client.close();
  });

  it('a code the protocol does not define is a ResponseError (invalid_response), not a ServiceError', async () => {
    const client = new IdentityClient({ sidecarUrl: 'http://sidecar.test', clientId: 'dev-client', clientSecret: 's', fetch: answering({ error: 'made_up', error_description: 'x' }) });
    const err = await failure(client.initSession());
    expect(err).toBeInstanceOf(ResponseError);
    expect(err).toMatchObject({ code: 'invalid_response', status: 400 });
    client.close();
  });
});

describe('errors you can switch on', () => {
  it('each class with a fixed code carries it as a static code, equal to its instances\' code', () => {
    const wire = undefined;
    const cases: [{ code: string }, IdentityClientError][] = [
      [TimeoutError, new TimeoutError('http://x', 1, wire)],
      [AbortedError, new AbortedError('http://x', undefined, wire)],
      [NetworkError, new NetworkError('http://x', undefined, wire)],
      [ResponseError, new ResponseError(502, 'bad', wire)],
      [NoLiveBearerError, new NoLiveBearerError('u')],
      [ConfigurationError, new ConfigurationError('bad')],
      [HandshakeUnverifiedError, new HandshakeUnverifiedError('missing', 200)],
    ];
    for (const [cls, instance] of cases) expect(instance.code).toBe(cls.code);
    expect(new Set(cases.map(([cls]) => cls.code)).size).toBe(cases.length);
  });

  it('every SDK code has its class, and every service code stays switchable', () => {
    // A Record over the union: adding a code without a class (or the reverse) fails to compile.
    const classes: Record<ClientErrorCode, { code: string }> = {
      timeout: TimeoutError,
      aborted: AbortedError,
      network_error: NetworkError,
      invalid_response: ResponseError,
      no_live_bearer: NoLiveBearerError,
      invalid_configuration: ConfigurationError,
      handshake_unverified: HandshakeUnverifiedError,
    };
    for (const [code, cls] of Object.entries(classes)) expect(cls.code).toBe(code);
    const kind = (code: IdentityErrorCode): string => (code in classes ? 'sdk' : `service:${code}`);
    expect(kind('invalid_grant')).toBe('service:invalid_grant');
    expect(kind(NoLiveBearerError.code)).toBe('sdk');
  });
});

describe('configuration mistakes are named before or when they bite', () => {
  it('a sidecarUrl that is not a URL is refused by the constructor', () => {
    for (const sidecarUrl of ['not a url', 'localhost:8141', 'ftp://sidecar.example', '']) {
      let err: unknown;
      try {
        new IdentityClient({ sidecarUrl, ...DEV_BASIC });
      } catch (e) {
        err = e;
      }
      expect(err, sidecarUrl).toBeInstanceOf(ConfigurationError);
      expect(err).toMatchObject({ code: 'invalid_configuration', status: 0 });
    }
  });

  it('pointing sidecarUrl at the identity API says so', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.identityUrl, ...DEV_BASIC });
    const err = await failure(client.issue(ISSUE));
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });
    expect((err as ServiceError).hint).toMatch(/identity API/);
    expect((err as ServiceError).message).toMatch(/point it at the sidecar/);
  });

  it('a server that is no sidecar at all gets a hint too', async () => {
    const client = new IdentityClient({
      sidecarUrl: 'http://elsewhere.test',
      clientId: 'dev-client',
      fetch: (async () => new Response('<html>nope</html>', { status: 404 })) as typeof fetch,
    });
    const err = await failure(client.initSession());
    expect(err).toBeInstanceOf(ResponseError);
    expect((err as ResponseError).hint).toMatch(/does not point at a sidecar/);
  });

  it('issue on a client without a secret is a ConfigurationError, sent nowhere', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, clientId: 'dev-client' });
    expect(await failure(client.issue(ISSUE))).toBeInstanceOf(ConfigurationError);
    expect(client.session).toBeUndefined();
  });
});

describe('introspection answers as RFC 7662 says', () => {
  it('dead, foreign and garbage tokens are {active: false} whenever the client holds a live bearer', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const partner = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_HMAC, authMethod: 'hmac' });
    const { data: doomed } = await client.issue(ISSUE);
    const { data: foreign } = await partner.issue(ISSUE);
    await client.revoke({ token: doomed.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: doomed.access_token });
    const { data: live } = await client.issue(ISSUE);

    for (const token of [doomed.access_token, doomed.refresh_token!, foreign.access_token, 'garbage', 'a.b.c']) {
      const result = await client.introspect(token);
      expect(result.data, token).toEqual({ active: false });
      // The bearer was the client's live token, not the token asked about.
      expect(result.wire.requestHeaders.Authorization).toBe(`Bearer ${live.access_token.slice(0, 4)}…`);
    }
    expect((await client.introspect(live.access_token)).data).toMatchObject({ active: true, sub: 'test-user' });
    client.close();
    partner.close();
  });

  it('with no live bearer held, a token refused as its own bearer is {active: false}', async () => {
    const issuer = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data } = await issuer.issue(ISSUE);
    await issuer.revoke({ token: data.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: data.access_token });
    // A second client that holds no token of its own, as a resource server would be.
    const reader = new IdentityClient({ sidecarUrl: stack.sidecarUrl, clientId: 'dev-client' });
    for (const token of [data.access_token, 'garbage']) {
      expect((await reader.introspect(token)).data).toEqual({ active: false });
    }
    issuer.close();
    reader.close();
  });

  it('a bad bearer the caller chose still throws invalid_token', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    await client.issue(ISSUE);
    const err = await failure(client.introspect('whatever', { bearer: 'not.a.jwt' }));
    expect(err).toMatchObject({ status: 401, code: 'invalid_token' });
    const fromCallback = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC, getAccessToken: () => 'not.a.jwt' });
    expect(await failure(fromCallback.introspect('whatever'))).toMatchObject({ status: 401, code: 'invalid_token' });
    client.close();
    fromCallback.close();
  });

  it('after the family is revoked, reusing its old refresh token is invalid_grant', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data: first } = await client.issue(ISSUE);
    const { data: second } = await client.refresh({ refreshToken: first.refresh_token!, accessToken: first.access_token });
    await client.revoke({ token: second.refresh_token!, tokenTypeHint: 'refresh_token', accessToken: second.access_token });
    for (const [refreshToken, accessToken] of [
      [first.refresh_token!, first.access_token],
      [second.refresh_token!, second.access_token],
    ] as const) {
      expect(await failure(client.refresh({ refreshToken, accessToken }))).toMatchObject({ status: 400, code: 'invalid_grant' });
    }
    client.close();
  });
});

describe('authenticated sessions need a live bearer', () => {
  it('opening one for a subject the client holds no token of is a NoLiveBearerError, sent nowhere', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const err = await failure(client.openAuthenticatedSession({ subject: 'nobody-we-know' }));
    expect(err).toBeInstanceOf(NoLiveBearerError);
    expect(err).toMatchObject({ code: 'no_live_bearer', subject: 'nobody-we-know' });
    expect(client.session).toBeUndefined();
  });

  it('refreshSession is the deprecated name of openAuthenticatedSession', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data } = await client.issue(ISSUE);
    const { session } = await client.refreshSession({ accessToken: data.access_token, subject: 'test-user' });
    expect(session).toMatchObject({ authenticated: true, subject: 'test-user' });
    client.close();
  });
});
