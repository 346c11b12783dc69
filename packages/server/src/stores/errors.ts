/** Errors a store raises; the sidecar maps both to `503 temporarily_unavailable`. */

/** The backing service (Redis) did not answer; the detail goes to the log only. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A bounded store is full and will not make room. The built-in stores never raise it any
 * more (a full store forgets its largest party's oldest entries instead); it stays for
 * stores written against this interface, and the sidecar still answers it with 503.
 */
export class StoreFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreFullError';
  }
}
