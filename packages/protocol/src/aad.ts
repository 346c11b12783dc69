import { utf8 } from './lib/bytes.js';

/** The four fields the AAD of every envelope binds (docs/protocol.md section 5). */
export interface AadFields {
  /** The timestamp half of the message's own `X-Idempotency-Key`, as sent. */
  timestamp: string;
  /** The nonce half of the message's own `X-Idempotency-Key`, as sent. */
  nonce: string;
  /** `session:<sessionId>`. */
  kid: string;
  /** The client id of the session. */
  clientId: string;
}

/**
 * The additional authenticated data of an envelope:
 * `UTF-8(timestamp "|" nonce "|" kid "|" clientId)`.
 *
 * @example
 * ```ts
 * const { timestamp, nonce } = parseIdempotencyKey(headers['x-idempotency-key'])
 * const aad = buildAad({ timestamp, nonce, kid, clientId })
 * ```
 */
export function buildAad({ timestamp, nonce, kid, clientId }: AadFields): Uint8Array {
  // Checked one by one, not by iterating over an object of them: this runs twice per
  // encrypted request, and the iteration allocated more than the AAD itself.
  assertField('timestamp', timestamp);
  assertField('nonce', nonce);
  assertField('kid', kid);
  assertField('clientId', clientId);
  return utf8(`${timestamp}|${nonce}|${kid}|${clientId}`);
}

function assertField(name: keyof AadFields, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`AAD field ${name} must be a string`);
}
