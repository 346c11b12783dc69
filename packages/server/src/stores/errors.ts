/** Errors a store raises; the sidecar maps both to `503 temporarily_unavailable`. */

/** The backing service (Redis) did not answer; the detail goes to the log only. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A bounded in-memory store is full of live entries. The nonce store refuses new entries
 * rather than forgetting live ones: forgetting a nonce early would let it be replayed.
 */
export class StoreFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreFullError';
  }
}
