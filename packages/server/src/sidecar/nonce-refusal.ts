/** The wire errors of a nonce the store did not accept (docs/protocol.md section 6). */
import { ProtocolError } from '@idsvc/protocol';
import type { NonceVerdict } from '../stores/nonce-store.js';

/** 409 `replay_detected` for a nonce the scope remembers, 400 `invalid_timestamp` for a stale one. */
export function nonceRefusal(verdict: Exclude<NonceVerdict, 'fresh'>): ProtocolError {
  return verdict === 'replay'
    ? new ProtocolError('replay_detected', 'nonce already used')
    : new ProtocolError('invalid_timestamp', 'timestamp at or before the replay watermark of its scope');
}
