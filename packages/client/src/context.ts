/**
 * What every exchange needs: the crypto API, the transport, where the sidecar is, who the
 * client is, and the clock. The node and browser entries differ only in `protocol`.
 */
import type { createProtocol } from '@idsvc/protocol/web';
import type { Transport } from './http.js';
import type { ServerKeySource } from './server-keys.js';

/** The high-level crypto API of `@idsvc/protocol` (node:crypto or WebCrypto underneath). */
export type ProtocolApi = ReturnType<typeof createProtocol>;

/** Shared by the session and the identity calls of one client. */
export interface ClientContext {
  readonly protocol: ProtocolApi;
  readonly transport: Transport;
  /** Base URL of the sidecar, e.g. `http://127.0.0.1:8141`. */
  readonly sidecarUrl: string;
  readonly clientId: string;
  /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
  readonly now: () => number;
  /** The sidecar's trusted handshake keys; when set, every session init must be vouched for by one. */
  readonly serverKeys?: ServerKeySource | undefined;
}
