/**
 * The attack, shown and stopped (docs/security.md). A proxy between the SDK and the real
 * sidecar substitutes its own ECDH key in session init, keeps one session with each side,
 * and re-seals every envelope in between.
 *
 * The first test is the threat demonstration: an SDK without `serverKeys` notices nothing,
 * its calls succeed, and the proxy reads its requests, its tokens and the sidecar's
 * answers in clear. The others show an SDK with `serverKeys` refusing the
 * proxy's answer before it sends anything, whether the proxy forwards the sidecar's
 * handshake headers or strips them, while the same SDK works straight to the sidecar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeUnverifiedError, IdentityClient } from '../src/index.js';
import { startMitmProxy, type MitmProxy } from './support/mitm-proxy.js';
import { DEV_BASIC, startTestStack, type TestStack } from './support/stack.js';

const ISSUE = { audience: 'orders-api', scope: 'orders.read', subject: 'victim', includeRefreshToken: true };

let stack: TestStack;
let keysUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  keysUrl = `${stack.sidecarUrl}/.well-known/sidecar-jwks.json`;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('a proxy that substitutes its own ECDH key', { timeout: 30_000 }, () => {
  let proxy: MitmProxy;

  afterAll(async () => {
    await proxy?.close();
  });

  it('reads everything an SDK without serverKeys sends and receives (the threat)', async () => {
    proxy = await startMitmProxy(stack.sidecarUrl, 'forward');
    const client = new IdentityClient({ sidecarUrl: proxy.url, ...DEV_BASIC });
    const issued = await client.issue(ISSUE);
    const claims = await client.introspect(issued.data.access_token);
    // Nothing looks wrong to the client...
    expect(claims.data.active).toBe(true);
    expect(proxy.hijackedSessions).toBe(1);
    // ...yet the proxy read the issue request, the tokens, and the claims.
    const seen = proxy.intercepted.map((entry) => `${entry.direction} ${entry.path} ${entry.plaintext}`).join('\n');
    expect(seen).toContain('"subject":"victim"');
    expect(seen).toContain(issued.data.access_token);
    expect(seen).toContain(issued.data.refresh_token);
    expect(seen).toContain('"active":true');
    expect(proxy.intercepted.map((entry) => entry.direction)).toEqual(['request', 'response', 'request', 'response']);
    client.close();
  });

  it.each(['forward', 'strip'] as const)(
    'is refused by an SDK with serverKeys (the proxy tries to %s the handshake headers), before anything is sent',
    async (tactic) => {
      await proxy?.close();
      proxy = await startMitmProxy(stack.sidecarUrl, tactic);
      const client = new IdentityClient({ sidecarUrl: proxy.url, ...DEV_BASIC, serverKeys: keysUrl });
      const err = await client.issue(ISSUE).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HandshakeUnverifiedError);
      expect((err as HandshakeUnverifiedError).reason).toBe(tactic === 'forward' ? 'bad_signature' : 'missing');
      expect(client.session).toBeUndefined();
      // The proxy hijacked the handshake but never saw a single envelope.
      expect(proxy.hijackedSessions).toBeGreaterThan(0);
      expect(proxy.intercepted).toEqual([]);
    },
  );

  it('lets the same SDK through when nothing is in between', async () => {
    const client = new IdentityClient({ sidecarUrl: stack.sidecarUrl, ...DEV_BASIC, serverKeys: keysUrl });
    const issued = await client.issue(ISSUE);
    expect(issued.data.token_type).toBe('Bearer');
    expect(client.session?.handshakeKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    client.close();
  });
});
