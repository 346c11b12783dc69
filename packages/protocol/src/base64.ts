import { MalformedInputError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code → 6-bit value, or -1 for a character outside the alphabet. */
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/**
 * Standard base64 (RFC 4648 section 4) with padding, the only alphabet on the wire.
 *
 * @example
 * ```ts
 * encodeBase64(new Uint8Array([0x04, 0xff])) // 'BP8='
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = (bytes[full] as number) << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = ((bytes[full] as number) << 16) | ((bytes[full + 1] as number) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  const value = code < 128 ? (LOOKUP[code] as number) : -1;
  if (value < 0) throw new MalformedInputError(`base64: invalid character at ${index}`);
  return value;
}

/**
 * Decode strict standard base64: the standard alphabet only, padding required, no
 * whitespace, and unused trailing bits zero, so every byte string has exactly one
 * accepted text. Anything else throws {@link MalformedInputError}.
 *
 * @example
 * ```ts
 * decodeBase64('BP8=') // Uint8Array [0x04, 0xff]
 * decodeBase64('BP8')  // throws MalformedInputError (no padding)
 * ```
 */
export function decodeBase64(text: string): Uint8Array {
  if (typeof text !== 'string') throw new MalformedInputError('base64: not a string');
  if (text.length % 4 !== 0) throw new MalformedInputError('base64: length not a multiple of 4');
  let padding = 0;
  if (text.endsWith('==')) padding = 2;
  else if (text.endsWith('=')) padding = 1;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const fullGroups = padding === 0 ? text.length / 4 : text.length / 4 - 1;
  let o = 0;
  for (let g = 0; g < fullGroups; g++) {
    const i = g * 4;
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  if (padding > 0) {
    const i = fullGroups * 4;
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    if (padding === 2) {
      if ((b & 15) !== 0) throw new MalformedInputError('base64: non-zero trailing bits');
      out[o] = (a << 2) | (b >> 4);
    } else {
      const c = sextet(text, i + 2);
      if ((c & 3) !== 0) throw new MalformedInputError('base64: non-zero trailing bits');
      out[o++] = (a << 2) | (b >> 4);
      out[o] = ((b & 15) << 4) | (c >> 2);
    }
  }
  return out;
}
