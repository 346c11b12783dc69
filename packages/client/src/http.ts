/**
 * The one place that talks HTTP: a JSON POST with a timeout, through an injectable `fetch`.
 */
import { NetworkError, TimeoutError } from './errors.js';
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
 * A caller's own `signal` aborts as usual; a timeout becomes {@link TimeoutError} and a
 * failed connection {@link NetworkError}, each carrying the wire detail so far.
 */
export async function post(
  transport: Transport,
  url: string,
  headers: Record<string, string>,
  body: string,
  wireSoFar: () => WireExchange,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(transport.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await transport.fetch(url, { method: 'POST', headers, body, signal: combined });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    if (timeout.aborted) throw new TimeoutError(url, transport.timeoutMs, wireSoFar());
    if (signal?.aborted) throw err;
    throw new NetworkError(url, err, wireSoFar());
  }
}

/** Join the sidecar's base URL and a route path without doubling or losing a `/`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
