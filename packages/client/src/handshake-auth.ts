/**
 * The client's checks of a signed session init (docs/protocol.md section 12.1): the
 * sidecar's ES256 signature over the transcript, by a key the client trusts, and the key
 * confirmation MAC, checked with the opaque shared secret (on WebCrypto the confirmation
 * key is derived and used inside `crypto.subtle`, never read).
 */
import {
  HANDSHAKE_HEADERS,
  buildHandshakeTranscript,
  kidFromSessionId,
  parseIdempotencyKey,
  type SharedSecretHandle,
} from '@idsvc/protocol/web';
import type { ProtocolApi } from './context.js';
import type { HandshakeFailure } from './errors.js';
import type { SessionInitAnswer } from './handshake.js';
import { ServerKeysUnavailableError, type ServerKeySource } from './server-keys.js';

/** A check of a signed session init failed. */
export class HandshakeRefusedError extends Error {
  constructor(
    readonly reason: HandshakeFailure,
    options?: { cause?: unknown },
  ) {
    super(`the session init answer is not vouched for by the sidecar (${reason})`, options);
    this.name = 'HandshakeRefusedError';
  }
}

/** What the client sent, as the transcript needs it. */
export interface SentInit {
  clientId: string;
  /** The client's 65-byte public key, as offered. */
  publicKey: Uint8Array;
  /** The request's `X-Idempotency-Key`, as sent. */
  idempotencyKey: string;
  /** `X-Subject` of an authenticated init. */
  subject?: string | undefined;
}

/** The things to check an answer with. */
export interface HandshakeCheck {
  protocol: ProtocolApi;
  keys: ServerKeySource;
  signal?: AbortSignal | undefined;
}

/**
 * Check a session init answer: `header` reads its headers by name. Resolves with the
 * `kid` of the handshake key that signed it; throws {@link HandshakeRefusedError}.
 */
export async function authenticateHandshake(
  check: HandshakeCheck,
  sent: SentInit,
  answer: SessionInitAnswer,
  header: (name: string) => string | null | undefined,
  secret: SharedSecretHandle,
): Promise<string> {
  const kid = header(HANDSHAKE_HEADERS.kid) ?? undefined;
  const signature = header(HANDSHAKE_HEADERS.signature) ?? undefined;
  const confirm = header(HANDSHAKE_HEADERS.confirm) ?? undefined;
  if (kid === undefined || kid === '' || signature === undefined || confirm === undefined) throw new HandshakeRefusedError('missing');

  let jwk;
  try {
    jwk = await check.keys.find(kid, check.signal);
  } catch (err) {
    if (err instanceof ServerKeysUnavailableError) throw new HandshakeRefusedError('keys_unavailable', { cause: err });
    throw err;
  }
  if (jwk === undefined) throw new HandshakeRefusedError('unknown_key');

  const { timestamp, nonce } = parseIdempotencyKey(sent.idempotencyKey);
  const transcript = buildHandshakeTranscript({
    clientId: sent.clientId,
    clientPublicKey: sent.publicKey,
    serverPublicKey: answer.serverPublicKey,
    sessionId: answer.sessionId,
    kid: kidFromSessionId(answer.sessionId),
    encAlg: 'A256GCM',
    expiresInSec: answer.expiresInSec,
    timestamp,
    nonce,
    subject: sent.subject,
  });
  if (!(await check.protocol.verifyHandshakeSignature(jwk, transcript, signature))) throw new HandshakeRefusedError('bad_signature');
  const confirmed = await check.protocol.confirmHandshake(secret, answer.sessionId, sent.clientId, transcript, confirm);
  if (!confirmed) throw new HandshakeRefusedError('bad_confirmation');
  return kid;
}
