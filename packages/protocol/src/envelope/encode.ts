/**
 * The JSON text of an encrypted body: `{"payload":"<base64>"}`.
 *
 * @example
 * ```ts
 * reply.type('application/json').send(encodeEnvelope(await protocol.seal(key, aad, body)))
 * ```
 */
export function encodeEnvelope(payloadB64: string): string {
  if (typeof payloadB64 !== 'string') throw new TypeError('payload must be a base64 string');
  return JSON.stringify({ payload: payloadB64 });
}
