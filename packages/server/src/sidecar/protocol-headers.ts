/**
 * Reading the protocol's request headers (docs/protocol.md section 2). Parsing of the values
 * themselves is the protocol package's; this module only fetches them from the header map
 * and says which ones are missing.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  type IdempotencyKey,
  MalformedInputError,
  checkTimestamp,
  parseIdempotencyKey,
  sessionIdFromKid,
} from '@idsvc/protocol';

/** A client id: 1 to 128 visible ASCII characters. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** `X-ClientId` (any casing), or 400 `invalid_request`. */
export function readClientId(headers: IncomingHttpHeaders): string {
  const clientId = header(headers, 'x-clientid');
  if (clientId === undefined) throw new MalformedInputError('X-ClientId missing', 'The X-ClientId header is missing.');
  if (!CLIENT_ID.test(clientId)) throw new MalformedInputError('X-ClientId malformed', 'The X-ClientId header is malformed.');
  return clientId;
}

/** `X-Idempotency-Key` as sent, plus its halves. */
export interface RequestKey extends IdempotencyKey {
  header: string;
}

/**
 * `X-Idempotency-Key`, parsed and checked against the clock window: 400 `invalid_request`
 * when missing or malformed, 400 `invalid_timestamp` when the timestamp is not a number or
 * is more than `windowSec` from `nowMs`.
 */
export function readIdempotencyKey(headers: IncomingHttpHeaders, nowMs: number, windowSec: number): RequestKey {
  const value = header(headers, 'x-idempotency-key');
  if (value === undefined) {
    throw new MalformedInputError('X-Idempotency-Key missing', 'The X-Idempotency-Key header is missing.');
  }
  const key = parseIdempotencyKey(value);
  checkTimestamp(key.timestampMs, nowMs, windowSec);
  return { header: value, timestamp: key.timestamp, timestampMs: key.timestampMs, nonce: key.nonce };
}

/** `X-Kid` and the session id inside it, or 400 `invalid_request`. */
export function readKid(headers: IncomingHttpHeaders): { kid: string; sessionId: string } {
  const kid = header(headers, 'x-kid');
  if (kid === undefined) throw new MalformedInputError('X-Kid missing', 'The X-Kid header is missing.');
  return { kid, sessionId: sessionIdFromKid(kid) };
}

/** A header's value when it is a single string, else `undefined`. */
export function optionalHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  return header(headers, name);
}
