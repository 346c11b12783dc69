import type { KeyPair } from '@idsvc/protocol';
import type { Clock } from '../lib/clock.js';
import type { NonceStore } from '../stores/nonce-store.js';
import type { SessionStore } from '../stores/session-store.js';
import type { ClientDirectory } from './client-directory.js';
import type { HandshakeKeySource } from './handshake-keys.js';
import type { Upstream } from './upstream.js';

/** Everything a sidecar route needs, built once per app. */
export interface SidecarContext {
  readonly clock: Clock;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly upstream: Upstream;
  readonly clients: ClientDirectory;
  /** The key that signs session init answers, and the published set (docs/protocol.md section 12.1). */
  readonly handshakeKeys: HandshakeKeySource;
  /** Sent as `x-idsvc-internal-auth` on every forwarded request. */
  readonly internalSecret: string;
  /** The server's ephemeral key pair for one session init. */
  readonly generateKeyPair: () => KeyPair;
  /** A fresh session id. */
  readonly newSessionId: () => string;
  readonly clockSkewSec: number;
  readonly nonceTtlSec: number;
  readonly sessionTtlAnonymousSec: number;
  readonly sessionTtlAuthenticatedSec: number;
}
