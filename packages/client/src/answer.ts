/**
 * Reading answers: JSON parsing and turning an error body into a typed error.
 */
import { isWireErrorCode } from '@idsvc/protocol/web';
import { ResponseError, ServiceError } from './errors.js';
import type { WireExchange } from './wire.js';

/** Parse JSON text, or throw {@link ResponseError} (the answer was not what the protocol promises). */
export function parseJson(text: string, status: number, wire: WireExchange): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ResponseError(status, `the answer (HTTP ${status}) is not JSON`, wire);
  }
}

/** A plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The typed error for an answer with status >= 400. An OAuth body with a code of the
 * protocol becomes {@link ServiceError}; anything else (an HTML 502 from a proxy, say, or
 * an `error` the protocol does not define) {@link ResponseError}.
 */
export function errorFromAnswer(status: number, text: string, encrypted: boolean, wire: WireExchange, hint?: string): Error {
  let body: Record<string, unknown> | undefined;
  try {
    body = asRecord(JSON.parse(text));
  } catch {
    body = undefined;
  }
  if (body && typeof body.error === 'string' && isWireErrorCode(body.error)) {
    const description = typeof body.error_description === 'string' ? body.error_description : body.error;
    return new ServiceError(status, body.error, description, encrypted, wire, { hint });
  }
  if (body && typeof body.error === 'string') {
    return new ResponseError(status, `HTTP ${status} with an error code the protocol does not define`, wire, hint);
  }
  return new ResponseError(status, `HTTP ${status} without an OAuth error body`, wire, hint);
}

/**
 * What a refused session init most likely means. A sidecar always serves the init route,
 * so a 404 there is never the sidecar's: an OAuth `not_found` body is the identity API's
 * (the same error format, no session route), anything else some other server.
 */
export function sessionInitHint(status: number, text: string): string | undefined {
  if (status !== 404) return undefined;
  let code: unknown;
  try {
    code = asRecord(JSON.parse(text))?.error;
  } catch {
    code = undefined;
  }
  return code === 'not_found'
    ? 'sidecarUrl seems to point at the identity API, which has no session route: point it at the sidecar (port 8141 by default)'
    : 'sidecarUrl does not point at a sidecar (no session route there): check the host, port and any path prefix';
}
