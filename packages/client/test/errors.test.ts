import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClient, NetworkError, ResponseError, ServiceError, TimeoutError, type IdentityErrorCode } from '@idsvc/client';
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
    const err = await failure(client.refreshSession({ accessToken: 'not.a.jwt', subject: 'test-user' }));
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('an authenticated session for another subject is 401 unauthorized', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC });
    const { data } = await client.issue(ISSUE);
    const err = await failure(client.refreshSession({ accessToken: data.access_token, subject: 'someone-else' }));
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

  it("a caller's own AbortSignal still aborts", async () => {
    const client = new IdentityClient({ sidecarUrl: silentUrl, ...DEV_BASIC, timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = failure(client.initSession({ signal: controller.signal }));
    controller.abort();
    const err = await pending;
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect((err as Error).name).toBe('AbortError');
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
