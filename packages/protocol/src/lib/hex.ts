/**
 * Lowercase hexadecimal, the encoding of signatures and body hashes (docs/protocol.md section 7).
 */

const HEX = '0123456789abcdef';

/** Lowercase hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/**
 * Bytes of a hex text of even length, either case, or `undefined` when it is not hex.
 * Callers decide whether a bad hex is an error or a plain "no".
 */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
