/**
 * The ceiling: bare Fastify routes doing only the cryptography of a scenario, with the
 * same protocol functions the sidecar calls, and nothing else (no stores, no forwarding,
 * no logging). What the stack reaches against these routes is the share of the crypto's
 * physical limit it keeps.
 *
 * - `POST /ceiling/session/init`: validate the client's point, make a key pair, ECDH,
 *   HKDF; answer like session init.
 * - `POST /ceiling/envelope`: open the envelope with the request's AAD, seal the same
 *   plaintext back under a fresh response key; answer like an encrypted call.
 *
 * Run by the harness as a child process; prints `READY <url>` and serves until SIGTERM.
 * The envelope key comes from `BENCH_CEILING_KEY` (hex): the load generator seals with it.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import {
  buildAad,
  decodePublicKey,
  deriveSessionKeySync,
  encodeBase64,
  encodeEnvelope,
  generateKeyPairSync,
  kidFromSessionId,
  makeIdempotencyKey,
  newSessionId,
  openSync,
  parseEnvelope,
  parseIdempotencyKey,
  sealSync,
  sharedSecretSync,
  zeroize,
} from '@idsvc/protocol';

const keyHex = process.env.BENCH_CEILING_KEY ?? '';
if (!/^[0-9a-f]{64}$/.test(keyHex)) throw new Error('BENCH_CEILING_KEY must be 32 bytes in hex');
const key = Buffer.from(keyHex, 'hex');

function header(value: string | string[] | undefined): string {
  if (typeof value !== 'string') throw new Error('missing header');
  return value;
}

const app = Fastify({ logger: false });

app.post('/ceiling/session/init', async (request, reply) => {
  const clientId = header(request.headers['x-clientid']);
  const peer = decodePublicKey((request.body as { clientPublicKey: string }).clientPublicKey);
  const keys = generateKeyPairSync();
  let secret: Uint8Array;
  try {
    secret = sharedSecretSync(keys.privateKey, peer);
  } finally {
    keys.privateKey.destroy();
  }
  const sessionId = newSessionId();
  const sessionKey = deriveSessionKeySync(secret, sessionId, clientId);
  zeroize(secret, sessionKey);
  void reply.header('x-kid', kidFromSessionId(sessionId));
  return { sessionId, serverPublicKey: encodeBase64(keys.publicKey), encAlg: 'A256GCM', expiresInSec: 1800 };
});

app.post('/ceiling/envelope', async (request, reply) => {
  const clientId = header(request.headers['x-clientid']);
  const kid = header(request.headers['x-kid']);
  const { timestamp, nonce } = parseIdempotencyKey(header(request.headers['x-idempotency-key']));
  const plaintext = openSync(key, buildAad({ timestamp, nonce, kid, clientId }), parseEnvelope(request.body));
  const answerAt = Date.now();
  const answerNonce = randomUUID();
  const payload = sealSync(key, buildAad({ timestamp: String(answerAt), nonce: answerNonce, kid, clientId }), plaintext);
  zeroize(plaintext);
  void reply.header('x-kid', kid).header('x-idempotency-key', makeIdempotencyKey(answerAt, answerNonce)).type('application/json');
  return encodeEnvelope(payload);
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${url}\n`);
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
