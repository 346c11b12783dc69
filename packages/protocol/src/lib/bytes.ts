/**
 * Byte utilities shared by every module. Browser-safe: no `node:` imports.
 */

const encoder = new TextEncoder();

/** UTF-8 bytes of a text, or the bytes themselves. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** UTF-8 bytes of a text. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Concatenate byte arrays into a fresh one. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The same bytes typed as WebCrypto's `BufferSource`. No copy is made when the view sits
 * on a plain ArrayBuffer, so no stray copy of key material is left behind to wipe.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** Require a `Uint8Array` of an exact length; a wrong one is a programmer mistake. */
export function assertBytes(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (value.length !== length) throw new TypeError(`${what} must be ${length} bytes, got ${value.length}`);
}
