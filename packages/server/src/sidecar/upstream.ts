/**
 * Where the sidecar sends decrypted requests: the identity API, in the same process
 * (`injectUpstream`) or over HTTP (`httpUpstream`).
 */
import { ProtocolError } from '@idsvc/protocol';

/** One POST to the identity API. */
export interface UpstreamRequest {
  /** Route path, e.g. `/api/v1/introspect`. */
  path: string;
  /** Lower-case header names; `content-length` is added by the transport. */
  headers: Record<string, string>;
  /** The body, byte for byte as decrypted. */
  body: Uint8Array;
}

/** The identity API's answer. */
export interface UpstreamResponse {
  status: number;
  body: Buffer;
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

/** The identity API could not be reached, timed out or failed; answers `502 upstream_unavailable`. */
export class UpstreamUnavailableError extends ProtocolError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('upstream_unavailable', detail);
    this.name = 'UpstreamUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
