/**
 * The attack signed session init exists to stop (docs/security.md): a party between the
 * client and the sidecar (a TLS-terminating proxy, a compromised ingress, a hooked
 * `fetch`) that answers the client's handshake with an ECDH key of its own, opens its own
 * session with the real sidecar, and then opens, reads and re-seals every envelope in
 * both directions. Against a client that does not check the handshake it is invisible.
 *
 * Test support only: it runs the server's side of the protocol with the byte API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  HANDSHAKE_HEADERS,
  buildAad,
  decodePublicKey,
  encodeBase64,
  encodeEnvelope,
  generateKeyPairSync,
  makeIdempotencyKey,
  parseEnvelope,
  parseIdempotencyKey,
  protocol,
  zeroize,
} from '@idsvc/protocol';

/** What the proxy does with the `X-Handshake-*` headers of the sidecar's answer. */
export type HeaderTactic =
  /** Pass them on unchanged: they vouch for the sidecar's key, not the proxy's. */
  | 'forward'
  /** Drop them, as if the sidecar never sent any. */
  | 'strip';

/** One envelope the proxy opened. */
export interface Intercepted {
  direction: 'request' | 'response';
  path: string;
  plaintext: string;
}

export interface MitmProxy {
  url: string;
  /** Every plaintext it read, in order. */
  readonly intercepted: Intercepted[];
  /** How many session inits it hijacked. */
  readonly hijackedSessions: number;
  close(): Promise<void>;
}

/** The proxy's two keys of one hijacked session: towards the client, towards the sidecar. */
interface Hijack {
  clientId: string;
  downKey: Uint8Array;
  upKey: Uint8Array;
}

const decoder = new TextDecoder();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && name !== 'host' && name !== 'content-length' && name !== 'connection') out[name] = value;
  }
  return out;
}

function answerHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'connection' && name !== 'transfer-encoding' && name !== 'keep-alive') out[name] = value;
  });
  return out;
}

function aadOf(headers: Record<string, string>, clientId: string): Uint8Array {
  const { timestamp, nonce } = parseIdempotencyKey(headers['x-idempotency-key'] ?? '');
  return buildAad({ timestamp, nonce, kid: headers['x-kid'] ?? '', clientId });
}

/** Start a substituting proxy in front of `sidecarUrl`. */
export async function startMitmProxy(sidecarUrl: string, tactic: HeaderTactic = 'forward'): Promise<MitmProxy> {
  const sessions = new Map<string, Hijack>();
  const intercepted: Intercepted[] = [];
  let hijackedSessions = 0;

  const sessionInit = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const headers = requestHeaders(req);
    const clientId = headers['x-clientid'] ?? '';
    const clientPublicKey = decodePublicKey((JSON.parse(body) as { clientPublicKey: string }).clientPublicKey);
    // Upstream: the proxy's own handshake with the sidecar, with a key of its own.
    const upPair = generateKeyPairSync();
    const upstream = await fetch(`${sidecarUrl}/api/v1/session/init`, {
      method: 'POST',
      headers: { ...headers, 'x-idempotency-key': makeIdempotencyKey(Date.now()) },
      body: JSON.stringify({ clientPublicKey: encodeBase64(upPair.publicKey) }),
    });
    const text = await upstream.text();
    const outHeaders = answerHeaders(upstream);
    if (upstream.status !== 200) {
      res.writeHead(upstream.status, outHeaders).end(text);
      return;
    }
    const answer = JSON.parse(text) as { sessionId: string; serverPublicKey: string; encAlg: string; expiresInSec: number };
    const upSecret = await protocol.sharedSecret(upPair.privateKey, decodePublicKey(answer.serverPublicKey));
    const upKey = await protocol.deriveSessionKey(upSecret, answer.sessionId, clientId);
    // Downstream: the client gets the proxy's key in place of the sidecar's.
    const downPair = generateKeyPairSync();
    const downSecret = await protocol.sharedSecret(downPair.privateKey, clientPublicKey);
    const downKey = await protocol.deriveSessionKey(downSecret, answer.sessionId, clientId);
    zeroize(upSecret, downSecret);
    upPair.privateKey.destroy();
    downPair.privateKey.destroy();
    sessions.set(answer.sessionId, { clientId, downKey, upKey });
    hijackedSessions++;
    if (tactic === 'strip') {
      for (const name of Object.values(HANDSHAKE_HEADERS)) delete outHeaders[name.toLowerCase()];
    }
    res.writeHead(200, outHeaders).end(JSON.stringify({ ...answer, serverPublicKey: encodeBase64(downPair.publicKey) }));
  };

  const sealedCall = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const path = req.url ?? '/';
    const headers = requestHeaders(req);
    const sessionId = (headers['x-kid'] ?? '').replace(/^session:/, '');
    const hijack = sessions.get(sessionId);
    let upBody = body;
    if (hijack) {
      // Open with the client's key, read, re-seal with the sidecar's key under the same AAD.
      const aad = aadOf(headers, hijack.clientId);
      const plaintext = await protocol.open(hijack.downKey, aad, parseEnvelope(JSON.parse(body)));
      intercepted.push({ direction: 'request', path, plaintext: decoder.decode(plaintext) });
      upBody = encodeEnvelope(await protocol.seal(hijack.upKey, aad, plaintext));
    }
    const upstream = await fetch(`${sidecarUrl}${path}`, { method: 'POST', headers, body: upBody });
    const text = await upstream.text();
    const outHeaders = answerHeaders(upstream);
    let downBody = text;
    const envelope = JSON.parse(text) as { payload?: unknown };
    if (hijack && typeof envelope.payload === 'string') {
      const aad = aadOf(outHeaders, hijack.clientId);
      const plaintext = await protocol.open(hijack.upKey, aad, parseEnvelope(envelope));
      intercepted.push({ direction: 'response', path, plaintext: decoder.decode(plaintext) });
      downBody = encodeEnvelope(await protocol.seal(hijack.downKey, aad, plaintext));
    }
    res.writeHead(upstream.status, outHeaders).end(downBody);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method === 'POST' && req.url === '/api/v1/session/init') await sessionInit(req, res, body);
      else if (req.method === 'POST') await sealedCall(req, res, body);
      else {
        // Anything else (the key set, health) passes through untouched.
        const upstream = await fetch(`${sidecarUrl}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers: requestHeaders(req) });
        res.writeHead(upstream.status, answerHeaders(upstream)).end(await upstream.text());
      }
    })().catch((err: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy failure: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    intercepted,
    get hijackedSessions() {
      return hijackedSessions;
    },
    close: async () => {
      for (const hijack of sessions.values()) zeroize(hijack.downKey, hijack.upKey);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
