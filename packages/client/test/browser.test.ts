import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { DEV_BASIC, DEV_HMAC, startTestStack, type TestStack } from './support/stack.js';

// The browser entry, bundled for the browser as an application would, must run the
// protocol on WebCrypto against the real sidecar, cross-origin (CORS).
const WEB_ENTRY = fileURLToPath(new URL('../src/web.ts', import.meta.url));
const INTERNAL_ENTRY = fileURLToPath(new URL('../src/internal.ts', import.meta.url));
const PROTOCOL_WEB = fileURLToPath(new URL('../../protocol/src/web.ts', import.meta.url));
const hasChromium = chromiumAvailable();

let bundle: string;
let probeBundle: string;
let page: Server;
let pageOrigin: string;
/** An ES module bundle for the browser, as an application would build it, with the workspace packages from source. */
async function bundleForBrowser(input: Pick<BuildOptions, 'entryPoints' | 'stdin'>): Promise<string> {
  const result = await build({
    ...input,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        // Workspace packages from source, so the test needs no build.
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^@idsvc\/protocol\/web$/ }, () => ({ path: PROTOCOL_WEB }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  bundle = await bundleForBrowser({ entryPoints: [WEB_ENTRY] });
  // A second bundle for the key test: the SDK plus the WebCrypto protocol it runs on, and the
  // environment-neutral client, so the test can hand it a watched copy of that protocol.
  probeBundle = await bundleForBrowser({
    stdin: {
      contents: `export * from ${JSON.stringify(WEB_ENTRY)}; export { IdentityClientCore } from ${JSON.stringify(INTERNAL_ENTRY)}; export { webProtocol } from '@idsvc/protocol/web';`,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
  });

  page = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (req.url === '/probe.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(probeBundle);
    } else if (req.url === '/probe') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>probe</title><script type="module">import * as sdk from "/probe.js"; window.sdk = sdk;</script>');
    } else {
      // The page loads the bundle the way an application would and hands it to the test.
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>sdk</title><script type="module">import * as sdk from "/sdk.js"; window.sdk = sdk;</script>');
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const address = page.address();
  pageOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  stack = await startTestStack({ CORS_ORIGINS: pageOrigin });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (page) await new Promise<void>((resolve) => page.close(() => resolve()));
});

describe.skipIf(!hasChromium)('the browser entry (@idsvc/client/web) in headless Chromium', { timeout: 60_000 }, () => {
  it('bundles without any Node built-in', () => {
    expect(bundle).not.toMatch(/from ["']node:/);
    expect(bundle).not.toMatch(/require\(["']node:/);
  });

  it('runs the journey on WebCrypto, cross-origin, with Basic and HMAC', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(pageOrigin);
    await tab.waitForFunction(() => 'sdk' in window);
    const outcome = await tab.evaluate(
      async ({ sidecarUrl, basic, hmac }) => {
        const sdk = (window as unknown as { sdk: typeof import('../src/web.js') }).sdk;
        const client = new sdk.IdentityClient({ sidecarUrl, ...basic, dangerouslyAllowSecretInBrowser: true });
        const issued = await client.issue({
          audience: 'orders-api',
          scope: 'orders.read',
          subject: 'browser-user',
          includeRefreshToken: true,
        });
        const claims = await client.introspect(issued.data.access_token);
        const session = await client.openAuthenticatedSession({ accessToken: issued.data.access_token, subject: 'browser-user' });
        const rotated = await client.refresh({
          refreshToken: issued.data.refresh_token!,
          accessToken: issued.data.access_token,
        });
        await client.revoke({
          token: rotated.data.refresh_token!,
          tokenTypeHint: 'refresh_token',
          accessToken: rotated.data.access_token,
        });
        const inactive = await client.introspect(rotated.data.access_token);
        let dead = '';
        try {
          await client.introspect(rotated.data.access_token, { bearer: rotated.data.access_token });
        } catch (err) {
          dead = err instanceof sdk.ServiceError ? `${err.status} ${err.code}` : String(err);
        }
        const partner = new sdk.IdentityClient({ sidecarUrl, ...hmac, authMethod: 'hmac', dangerouslyAllowSecretInBrowser: true });
        const signed = await partner.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'browser-user' });
        let wrong = '';
        try {
          await new sdk.IdentityClient({ sidecarUrl, clientId: basic.clientId, clientSecret: 'nope', dangerouslyAllowSecretInBrowser: true }).issue({
            audience: 'orders-api',
            scope: 'orders.read',
            subject: 'browser-user',
          });
        } catch (err) {
          wrong = err instanceof sdk.ServiceError ? `${err.status} ${err.code}` : String(err);
        }
        return {
          active: claims.data.active,
          sub: claims.data.sub,
          authenticated: session.session.authenticated,
          rotated: rotated.data.access_token !== issued.data.access_token,
          inactive: inactive.data,
          dead,
          signedType: signed.data.token_type,
          wrong,
          backend: typeof crypto.subtle.deriveBits,
        };
      },
      { sidecarUrl: stack.sidecarUrl, basic: DEV_BASIC, hmac: DEV_HMAC },
    );
    expect(outcome).toEqual({
      active: true,
      sub: 'browser-user',
      authenticated: true,
      rotated: true,
      inactive: { active: false },
      dead: '401 invalid_token',
      signedType: 'Bearer',
      wrong: '401 invalid_client',
      backend: 'function',
    });
    await context.close();
  });

  it('refuses a client secret in the page unless the caller says it knows the risk', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(pageOrigin);
    await tab.waitForFunction(() => 'sdk' in window);
    const outcome = await tab.evaluate(
      ({ sidecarUrl, basic }) => {
        const sdk = (window as unknown as { sdk: typeof import('../src/web.js') }).sdk;
        let refused: unknown;
        try {
          new sdk.IdentityClient({ sidecarUrl, ...basic });
        } catch (err) {
          refused = err instanceof sdk.ConfigurationError ? { code: err.code, message: err.message } : String(err);
        }
        // Without a secret the page can still use bearers; with the flag it may hold one.
        const bearerOnly = new sdk.IdentityClient({ sidecarUrl, clientId: basic.clientId });
        const allowed = new sdk.IdentityClient({ sidecarUrl, ...basic, dangerouslyAllowSecretInBrowser: true });
        return { refused, bearerOnly: bearerOnly.clientId, allowed: allowed.clientId };
      },
      { sidecarUrl: stack.sidecarUrl, basic: DEV_BASIC },
    );
    expect(outcome.refused).toMatchObject({ code: 'invalid_configuration', message: expect.stringContaining('anyone who loads the page can read it') });
    expect(outcome).toMatchObject({ bearerOnly: 'dev-client', allowed: 'dev-client' });
    await context.close();
  });

  it('names CORS_ORIGINS when a page whose origin the sidecar does not allow cannot reach it', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    // The same page under another origin (localhost instead of 127.0.0.1), not in CORS_ORIGINS.
    const otherOrigin = pageOrigin.replace('127.0.0.1', 'localhost');
    await tab.goto(otherOrigin);
    await tab.waitForFunction(() => 'sdk' in window);
    const outcome = await tab.evaluate(
      async ({ sidecarUrl, clientId }) => {
        const sdk = (window as unknown as { sdk: typeof import('../src/web.js') }).sdk;
        try {
          await new sdk.IdentityClient({ sidecarUrl, clientId }).initSession();
          return { code: 'none', hint: undefined };
        } catch (err) {
          return err instanceof sdk.NetworkError ? { code: err.code, hint: err.hint, message: err.message } : { code: String(err), hint: undefined };
        }
      },
      { sidecarUrl: stack.sidecarUrl, clientId: DEV_BASIC.clientId },
    );
    expect(outcome.code).toBe('network_error');
    expect(outcome.hint).toContain('CORS_ORIGINS');
    expect(outcome.hint).toContain(otherOrigin);
    await context.close();
  });

  it('keeps the ECDH private key, the shared secret and the session key in non-extractable CryptoKeys, and checks the signed init', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${pageOrigin}/probe`);
    await tab.waitForFunction(() => 'sdk' in window);
    const outcome = await tab.evaluate(
      async ({ sidecarUrl, basic }) => {
        const sdk = (window as unknown as { sdk: typeof import('../src/web.js') & { IdentityClientCore: typeof import('../src/internal.js').IdentityClientCore; webProtocol: typeof import('@idsvc/protocol/web').webProtocol } }).sdk;
        const p = sdk.webProtocol;
        /** The CryptoKey behind a handle of the WebCrypto backend. */
        const cryptoKey = (handle: unknown): CryptoKey => (handle as { use(): CryptoKey }).use();
        const seen: Record<string, CryptoKey> = {};
        // The SDK's own protocol, watched: each key is caught as the SDK makes it.
        const watched = {
          ...p,
          generateKeyPair: async () => {
            const pair = await p.generateKeyPair();
            seen.privateKey = cryptoKey(pair.privateKey);
            return pair;
          },
          agree: async (...args: Parameters<typeof p.agree>) => {
            const secret = await p.agree(...args);
            seen.sharedSecret = cryptoKey(secret);
            return secret;
          },
        };
        // With serverKeys: the key set is fetched cross-origin, the signature checked and the
        // key confirmation derived from the non-extractable secret, all inside the browser.
        const serverKeys = `${sidecarUrl}/.well-known/sidecar-jwks.json`;
        const client = new sdk.IdentityClientCore({ sidecarUrl, ...basic, protocol: watched, serverKeys });
        const { session } = await client.initSession();
        seen.sessionKey = cryptoKey(client.session!.key);
        const report: Record<string, { type: string; algorithm: string; extractable: boolean; usages: string[]; exports: string[] }> = {};
        for (const [name, key] of Object.entries(seen)) {
          const exports: string[] = [];
          for (const format of ['raw', 'jwk', 'pkcs8'] as const) {
            try {
              await crypto.subtle.exportKey(format, key);
              exports.push(`${format}: exported`);
            } catch (err) {
              exports.push(`${format}: ${(err as Error).name}`);
            }
          }
          report[name] = { type: key.type, algorithm: key.algorithm.name, extractable: key.extractable, usages: [...key.usages].sort(), exports };
        }
        // The session works with the key nobody can read.
        const issued = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'browser-user' });
        return { report, tokenType: issued.data.token_type, sessionJson: JSON.stringify(client.session), handshakeKid: session.handshakeKid };
      },
      { sidecarUrl: stack.sidecarUrl, basic: DEV_BASIC },
    );
    const refused = ['raw: InvalidAccessError', 'jwk: InvalidAccessError', 'pkcs8: InvalidAccessError'];
    expect(outcome.report).toEqual({
      privateKey: { type: 'private', algorithm: 'ECDH', extractable: false, usages: ['deriveBits', 'deriveKey'], exports: refused },
      // WebCrypto can never export an HKDF key, whatever its flag: the secret has no way out at all.
      sharedSecret: {
        type: 'secret',
        algorithm: 'HKDF',
        extractable: false,
        usages: ['deriveKey'],
        exports: ['raw: NotSupportedError', 'jwk: NotSupportedError', 'pkcs8: NotSupportedError'],
      },
      sessionKey: { type: 'secret', algorithm: 'AES-GCM', extractable: false, usages: ['decrypt', 'encrypt'], exports: refused },
    });
    expect(outcome.tokenType).toBe('Bearer');
    expect(outcome.handshakeKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(outcome.sessionJson).not.toContain('key');
    await context.close();
  });
});
