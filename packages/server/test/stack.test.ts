/**
 * `startStack` (identity API and sidecar in one process) and the trust boundary between
 * the two: the identity API believes `x-idsvc-*` headers only with the internal secret.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../src/config.js';
import { PortInUseError, type Stack, startStack } from '../src/stack.js';
import { WireClient, basicAuth, httpTransport } from './helpers/wire-client.js';
import { deletePrefix, requireRedis, uniquePrefix } from './helpers/redis-env.js';

const redisUrl = await requireRedis();

const INTERNAL_SECRET = randomBytes(32).toString('hex');
let dir: string;

function config(env: Record<string, string> = {}): Config {
  return loadConfig({
    MODE: 'development',
    LOG_LEVEL: 'silent',
    SQLITE_PATH: join(dir, `${randomBytes(4).toString('hex')}.db`),
    MASTER_KEY: randomBytes(32).toString('base64'),
    INTERNAL_SECRET,
    IDENTITY_PORT: '0',
    SIDECAR_PORT: '0',
    ...env,
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'idsvc-stack-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('startStack', () => {
  it('listens on the configured ports (0 picks free ones) and returns both URLs and apps', async () => {
    const stack = await startStack(config());
    try {
      expect(stack.identityUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.sidecarUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.identityUrl).not.toBe(stack.sidecarUrl);
      const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: 'dev-client' });
      expect((await wire.initSession()).status).toBe(200);
    } finally {
      await stack.close();
      await stack.close(); // a second close is harmless
    }
  });

  it.skipIf(redisUrl === undefined)('keeps sessions and nonces in Redis when REDIS_URL is set', async () => {
    const prefix = uniquePrefix();
    const stack = await startStack(config({ REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: prefix }));
    const redis = new Redis(redisUrl!);
    try {
      const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: 'dev-client' });
      expect((await wire.initSession()).status).toBe(200);
      expect(await redis.exists(`${prefix}session:${wire.session!.sessionId}`)).toBe(1);
      expect((await redis.keys(`${prefix}nonce:*`)).length).toBe(1);
    } finally {
      await stack.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });

  it.each([
    ['SIDECAR_PORT', 'SIDECAR_PORT'],
    ['IDENTITY_PORT', 'IDENTITY_PORT'],
  ])('explains a %s in use in one line', async (variable) => {
    const { port, server } = await occupiedPort();
    try {
      const attempt = startStack(config({ [variable]: String(port) }));
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`port ${port} is already in use: stop the other process or set ${variable}`);
    } finally {
      server.close();
    }
  });
});

describe('internal headers at the identity API', () => {
  let stack: Stack;
  let bearer: string;

  beforeAll(async () => {
    stack = await startStack(config());
    const wire = new WireClient({ transport: httpTransport(stack.sidecarUrl), clientId: 'dev-client' });
    await wire.initSession();
    const issued = await wire.call(
      '/api/v1/token/issue',
      { audience: 'orders-api', scope: 'orders.read', subject: 'test-user' },
      { authorization: basicAuth('dev-client', 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!') },
    );
    bearer = (issued.json as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Introspection straight on the identity API's socket, as a client reaching it directly would. */
  async function direct(headers: Record<string, string>): Promise<Response> {
    return fetch(new URL('/api/v1/introspect', stack.identityUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, ...headers },
      body: JSON.stringify({ token: bearer }),
    });
  }

  it('ignores forged x-idsvc-* headers without the internal secret', async () => {
    const forged = await direct({
      'x-clientid': 'other-client',
      'x-idsvc-internal-auth': 'a-guess-that-is-not-the-secret-0000000000',
      'x-idsvc-session-id': 'S-00000000000000000000000000000000',
      'x-idsvc-session-type': 'authenticated',
      'x-idsvc-session-subject': 'admin',
    });
    // Ignored: the session claims "another client", yet the bearer's own client is served.
    expect(forged.status).toBe(200);
    expect(await forged.json()).toMatchObject({ active: true, client_id: 'dev-client' });
  });

  it('believes them with the internal secret: a session of another client is refused', async () => {
    const trusted = await direct({ 'x-clientid': 'other-client', 'x-idsvc-internal-auth': INTERNAL_SECRET });
    expect(trusted.status).toBe(401);
    expect(await trusted.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('hides the bearer check route from callers without the secret', async () => {
    const response = await fetch(new URL('/internal/v1/bearer/verify', stack.identityUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, 'x-clientid': 'dev-client', 'x-subject': 'test-user', 'x-idsvc-internal-auth': 'wrong' },
      body: '{}',
    });
    expect(response.status).toBe(404);
  });
});
