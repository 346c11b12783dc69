/**
 * A stand-in for the sidecar's session init, as a `fetch`: it answers like the real one
 * (docs/protocol.md sections 3 and 12.1: ECDH, the signed transcript, the key
 * confirmation) and serves its key set, and it can be told to get one thing wrong, so each
 * check of the SDK is seen to fail on its own. Nothing is sent after session init.
 */
import { createHash, generateKeyPairSync as ecKeyPair, type KeyObject } from 'node:crypto';
import {
  buildHandshakeTranscript,
  decodePublicKey,
  deriveConfirmationKeySync,
  encodeBase64,
  generateKeyPairSync,
  handshakeConfirmationSync,
  kidFromSessionId,
  newSessionId,
  parseIdempotencyKey,
  sharedSecretSync,
  signHandshakeSync,
  zeroize,
  type HandshakePublicJwk,
} from '@idsvc/protocol';

export const SIDECAR = 'http://sidecar.test';
export const KEYS_URL = `${SIDECAR}/.well-known/sidecar-jwks.json`;

/** A handshake key pair and its public JWK, named by its RFC 7638 thumbprint. */
export interface HandshakeKey {
  privateKey: KeyObject;
  jwk: HandshakePublicJwk & { kid: string };
}

export function newHandshakeKey(): HandshakeKey {
  const { privateKey, publicKey } = ecKeyPair('ec', { namedCurve: 'P-256' });
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint, computed here independently of the SDK's own.
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { privateKey, jwk: { kty, crv, x, y, kid, use: 'sig', alg: 'ES256' } };
}

/** One way the stand-in answers wrongly. */
export type Fault =
  | 'none'
  /** No X-Handshake-* headers at all (an old sidecar, or a proxy that strips them). */
  | 'unsigned'
  /** Signed by a key the client does not know, named by that key's kid. */
  | 'foreign-key'
  /** Signed by a key the client does not know, under the kid of the trusted key. */
  | 'forged-signature'
  /** Signed over another subject than the one the client asked for. */
  | 'other-subject'
  /** A correct signature, but a confirmation MAC made with another secret. */
  | 'bad-confirm';

export interface SigningSidecar {
  fetch: typeof globalThis.fetch;
  /** The key set it serves (a test may change it between calls). */
  keySet: { keys: HandshakePublicJwk[] };
  fault: Fault;
  /** Requests received, by path. */
  calls: string[];
}

/** A stand-in sidecar signing with `key`. */
export function signingSidecar(key: HandshakeKey): SigningSidecar {
  const stranger = newHandshakeKey();
  const state: SigningSidecar = {
    keySet: { keys: [key.jwk] },
    fault: 'none',
    calls: [],
    fetch: async (input, init) => {
      const url = String(input);
      const path = url.slice(SIDECAR.length);
      state.calls.push(path);
      if (url === KEYS_URL) return Response.json(state.keySet);
      if (path !== '/api/v1/session/init') return Response.json({ error: 'not_found', error_description: 'not here' }, { status: 404 });
      const headers = new Headers(init?.headers);
      const clientId = headers.get('x-clientid') ?? '';
      const { timestamp, nonce } = parseIdempotencyKey(headers.get('x-idempotency-key') ?? '');
      const subject = headers.get('x-subject') ?? undefined;
      const clientPublicKey = decodePublicKey((JSON.parse(String(init?.body)) as { clientPublicKey: string }).clientPublicKey);
      const server = generateKeyPairSync();
      const sessionId = newSessionId();
      const kid = kidFromSessionId(sessionId);
      const expiresInSec = subject === undefined ? 1800 : 3600;
      const transcript = buildHandshakeTranscript({
        clientId,
        clientPublicKey,
        serverPublicKey: server.publicKey,
        sessionId,
        kid,
        encAlg: 'A256GCM',
        expiresInSec,
        timestamp,
        nonce,
        subject: state.fault === 'other-subject' ? 'someone-else' : subject,
      });
      const secret = state.fault === 'bad-confirm' ? new Uint8Array(32).fill(9) : sharedSecretSync(server.privateKey, clientPublicKey);
      const confirmKey = deriveConfirmationKeySync(secret, sessionId, clientId);
      const signer = state.fault === 'foreign-key' || state.fault === 'forged-signature' ? stranger : key;
      const answerHeaders: Record<string, string> = { 'content-type': 'application/json', 'x-kid': kid };
      if (state.fault !== 'unsigned') {
        answerHeaders['x-handshake-kid'] = state.fault === 'foreign-key' ? stranger.jwk.kid : key.jwk.kid;
        answerHeaders['x-handshake-signature'] = signHandshakeSync(signer.privateKey, transcript);
        answerHeaders['x-handshake-confirm'] = handshakeConfirmationSync(confirmKey, transcript);
      }
      zeroize(secret, confirmKey);
      server.privateKey.destroy();
      const body = { sessionId, serverPublicKey: encodeBase64(server.publicKey), encAlg: 'A256GCM', expiresInSec };
      return new Response(JSON.stringify(body), { status: 200, headers: answerHeaders });
    },
  };
  return state;
}
