/**
 * What one exchange looked like on the wire, for tools that show it (the journey UI, logs
 * with care). Credentials are masked before they get here.
 */

/** One request and its answer, as sent and as received. */
export interface WireExchange {
  method: 'POST';
  /** Full URL the request went to. */
  url: string;
  /** Request headers as sent, with `Authorization` and `X-Signature` masked. */
  requestHeaders: Record<string, string>;
  /** The JSON text before encryption (session init: the body as sent). */
  requestBodyPlaintext: string;
  /** The envelope `{"payload": …}` as sent; absent for session init, which is not encrypted. */
  requestBodyEncrypted: string | undefined;
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  /** Response headers as received (lower-case names). */
  responseHeaders: Record<string, string>;
  /** The body as received when it was an envelope; absent for plaintext answers. */
  responseBodyEncrypted: string | undefined;
  /** The readable answer: decrypted from the envelope, or the plaintext body as received. */
  responseBodyPlaintext: string | undefined;
  /** Time from sealing the request to opening the answer, in milliseconds (0.1 ms resolution). */
  durationMs: number;
}

/** Headers that carry a credential; their values are shown only as a short prefix. */
const SECRET_HEADERS = new Set(['authorization', 'x-signature']);

/**
 * Mask a credential for display: the scheme, the first 4 characters, then `…`.
 *
 * @example
 * ```ts
 * maskCredential('Basic ZGV2LWNsaWVudDpzZWNyZXQ='); // 'Basic ZGV2…'
 * maskCredential('9f86d081884c7d65');               // '9f86…'
 * ```
 */
export function maskCredential(value: string): string {
  const space = value.indexOf(' ');
  const scheme = space > 0 ? value.slice(0, space + 1) : '';
  const secret = space > 0 ? value.slice(space + 1) : value;
  return `${scheme}${secret.slice(0, 4)}…`;
}

/** A copy of `headers` with every credential masked. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? maskCredential(value) : value;
  }
  return out;
}

/** Fetch `Headers` as a plain object. */
export function headersToObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Milliseconds since `startedAt` (a `performance.now()` reading), rounded to 0.1 ms. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
