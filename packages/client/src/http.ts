/**
 * The one place that talks HTTP: a JSON POST with a timeout, through an injectable `fetch`.
 */
import { AbortedError, NetworkError, TimeoutError } from './errors.js';
import type { WireExchange } from './wire.js';

/** How requests leave: which `fetch`, and how long to wait for an answer. */
export interface Transport {
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

/** A complete answer: status, headers and the whole body as text. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * POST `body` to `url` and read the whole answer, within `transport.timeoutMs`.
 * A caller's abort becomes {@link AbortedError}, a timeout {@link TimeoutError} and a
 * failed connection {@link NetworkError}, each carrying the wire detail so far: no raw
 * `AbortError` or `TypeError` of `fetch` reaches the caller.
 */
export async function post(
  transport: Transport,
  url: string,
  headers: Record<string, string>,
  body: string,
  wireSoFar: () => WireExchange,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  if (signal?.aborted) throw new AbortedError(url, signal.reason, wireSoFar());
  const timeout = AbortSignal.timeout(transport.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await transport.fetch(url, { method: 'POST', headers, body, signal: combined });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(url, signal.reason, wireSoFar());
    if (timeout.aborted) throw new TimeoutError(url, transport.timeoutMs, wireSoFar());
    throw new NetworkError(url, err, wireSoFar(), unreachableHint(url));
  }
}

/**
 * In a page, a cross-origin request the sidecar does not allow fails exactly like a
 * refused connection (only the browser console names CORS), so the error says both.
 */
function unreachableHint(url: string): string | undefined {
  const origin = pageOrigin();
  if (origin === undefined) return undefined;
  let target: string;
  try {
    target = new URL(url).origin;
  } catch {
    return undefined;
  }
  if (target === origin) return undefined;
  return `If the sidecar is running, check that its CORS_ORIGINS lists this page's origin (${origin}): a browser hides a refused cross-origin request behind the same error`;
}

/** The origin of the page the SDK runs in, or undefined outside a browser window or worker. */
function pageOrigin(): string | undefined {
  const location = (globalThis as { location?: { origin?: unknown } }).location;
  const origin = location?.origin;
  return typeof origin === 'string' && origin !== 'null' && /^https?:/.test(origin) ? origin : undefined;
}

/** Join the sidecar's base URL and a route path without doubling or losing a `/`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
