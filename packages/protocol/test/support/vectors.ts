/**
 * Loads the protocol's test vectors at test time. They are fixtures in
 * `packages/protocol/test/vectors/`, made by an independent implementation (see the
 * README there); tests read them and never write them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The vectors folder, beside this file's folder: packages/protocol/test/vectors. */
export const VECTORS_DIR = new URL('../vectors/', import.meta.url);

/** One vector file: a description and its cases. */
export interface VectorFile<T> {
  description: string;
  cases: (T & { name: string; note?: string })[];
}

/** Read one vector file, failing with a clear message when the folder or file is missing. */
export function loadVectors<T>(file: string): VectorFile<T> {
  const dir = fileURLToPath(VECTORS_DIR);
  if (!existsSync(dir)) {
    throw new Error(`test vectors folder not found at ${dir}`);
  }
  const path = fileURLToPath(new URL(file, VECTORS_DIR));
  if (!existsSync(path)) throw new Error(`test vector file ${file} not found in ${dir}`);
  return JSON.parse(readFileSync(path, 'utf8')) as VectorFile<T>;
}

/** Every `*.json` file name in the vectors folder. */
export function vectorFileNames(): string[] {
  const dir = fileURLToPath(VECTORS_DIR);
  if (!existsSync(dir)) throw new Error(`test vectors folder not found at ${dir}`);
  return readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
}

/** Bytes of a hex text (vectors only carry valid hex). */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Lowercase hex of bytes. */
export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** UTF-8 bytes of a text. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Text of UTF-8 bytes. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
