/**
 * Overwrite key material with zeros once it is no longer needed. `undefined` entries
 * are skipped, so it can be called on optional fields without checks.
 *
 * @example
 * ```ts
 * const key = deriveSessionKeySync(secret, sessionId, clientId)
 * zeroize(secret)
 * // ... use key, then:
 * zeroize(key)
 * ```
 */
export function zeroize(...buffers: (Uint8Array | undefined)[]): void {
  for (const buffer of buffers) buffer?.fill(0);
}
