/**
 * Where the sidecar sends decrypted requests: the identity API, in the same process
 * (`injectUpstream`) or over HTTP (`httpUpstream`).
 */
import { ProtocolError } from '@idsvc/protocol';

/** One request to the identity API: a POST with a body, or a GET (internal lookups). */
export interface UpstreamRequest {
  /** Default `POST`. */
  method?: 'GET' | 'POST';
  /** Route path, e.g. `/api/v1/introspect`. */
  path: string;
  /** Lower-case header names; `content-length` is added by the transport. */
  headers: Record<string, string>;
  /** The body, byte for byte as decrypted; none for a GET. */
  body?: Uint8Array;
}

/** The identity API's answer. */
export interface UpstreamResponse {
  status: number;
  body: Buffer;
  /** The answer's `Retry-After` header, when it has one (a 503 of the identity API). */
  retryAfter?: string;
}

/** A transport to the identity API. */
export interface Upstream {
  /**
   * Send one request.
   * @throws UpstreamUnavailableError when the identity API cannot be reached or times out.
   */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Release connections. */
  close(): Promise<void>;
}

/** The identity API could not be reached or timed out; answers `502 upstream_unavailable`. */
export class UpstreamUnavailableError extends ProtocolError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('upstream_unavailable', detail);
    this.name = 'UpstreamUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
