/**
 * Sessions of the sidecar (docs/protocol.md section 3): the key agreed at session init, the
 * client id it is bound to, and for authenticated sessions the subject.
 */

/** `anonymous` (no bearer at init) or `authenticated` (bearer + X-Subject at init). */
export type SessionType = 'anonymous' | 'authenticated';

/** One session as the sidecar uses it. */
export interface Session {
  /** `S-` + 32 lowercase hex characters. */
  readonly id: string;
  readonly clientId: string;
  readonly type: SessionType;
  /** The subject an authenticated session is bound to; `undefined` when anonymous. */
  readonly subject: string | undefined;
  /** Expiry, milliseconds since the Unix epoch. */
  readonly expiresAtMs: number;
  /**
   * The 32-byte AES-256-GCM session key. Whoever holds a `Session` owns this buffer and
   * zeroizes it when done: `put` takes it over, `get` hands out a fresh copy.
   */
  readonly key: Uint8Array;
}

/** Where sessions live: one process (memory) or shared by every instance (Redis). */
export interface SessionStore {
  /**
   * Store a session until its `expiresAtMs`. The store takes over `session.key`: it zeroizes
   * that buffer when it drops the session (memory) or as soon as it has encrypted it (Redis),
   * so the caller must not use it afterwards.
   */
  put(session: Session): Promise<void>;
  /**
   * The session with this id, or `undefined` when it is unknown or expired. The returned
   * key is a copy the caller must zeroize.
   * @throws StoreUnavailableError when the backing service cannot answer.
   */
  get(sessionId: string): Promise<Session | undefined>;
  /** Forget a session and zeroize its key. */
  delete(sessionId: string): Promise<void>;
  /** Release timers and connections; in-memory keys are zeroized. */
  close(): Promise<void>;
}
