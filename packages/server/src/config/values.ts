/**
 * The kinds of value a configuration variable holds. Each turns the variable's text into a
 * value, or refuses it; `expects` says in plain words what it accepts, and is both the
 * error message (`must be <expects>`) and the documentation.
 */

/** How one kind of value is read from its environment text. */
export interface ValueType<T> {
  /** What it accepts, in words that follow "must be": `an integer from 0 to 65535`. */
  readonly expects: string;
  /** The value, or `undefined` when the text is not acceptable. The text is never empty. */
  parse(text: string): T | undefined;
  /** The text that would produce `value`, for documenting a default. */
  format(value: T): string;
}

/**
 * An integer in `[min, max]`. Reads the text as JavaScript's `Number()` does (so `1e3` and
 * `0x10` are accepted, as they always were), then insists on a whole number in range.
 */
export function integer(min: number, max?: number): ValueType<number> {
  return {
    expects: max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`,
    parse: (text) => {
      const value = Number(text);
      return Number.isInteger(value) && value >= min && (max === undefined || value <= max) ? value : undefined;
    },
    format: String,
  };
}

/** One of a fixed set of words (case matters). */
export function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  return {
    expects: `one of ${words.join(', ')}`,
    parse: (text) => (words as readonly string[]).includes(text) ? (text as W) : undefined,
    format: String,
  };
}

/** On or off: true/false, 1/0 or yes/no. */
export const flag: ValueType<boolean> = {
  expects: 'true or false (or 1/0, yes/no)',
  parse: (text) => {
    if (text === 'true' || text === '1' || text === 'yes') return true;
    if (text === 'false' || text === '0' || text === 'no') return false;
    return undefined;
  },
  format: String,
};

/** Any text of at least `min` characters. */
export function text(min = 1): ValueType<string> {
  return {
    expects: `at least ${min} characters`,
    parse: (value) => (value.length >= min ? value : undefined),
    format: (value) => value,
  };
}

/** Any absolute URL the WHATWG parser accepts. */
export const url: ValueType<string> = {
  expects: 'an absolute URL, e.g. http://localhost:8140',
  parse: (value) => (URL.canParse(value) ? value : undefined),
  format: (value) => value,
};

/** An http:// or https:// URL. */
export const httpUrl: ValueType<string> = {
  expects: 'an http:// or https:// URL',
  parse: (value) => {
    try {
      const { protocol } = new URL(value);
      return protocol === 'http:' || protocol === 'https:' ? value : undefined;
    } catch {
      return undefined;
    }
  },
  format: (value) => value,
};

/**
 * A connection string that starts with one of `schemes` (`postgres://`...). Only the
 * scheme is checked here: the driver parses the rest, with rules of its own.
 */
export function connectionUrl(...schemes: string[]): ValueType<string> {
  return {
    expects: `a ${schemes.map((s) => `${s}://`).join(' or ')} URL`,
    parse: (value) => (schemes.some((s) => value.startsWith(`${s}://`)) ? value : undefined),
    format: (value) => value,
  };
}

/** Comma-separated items; spaces around each are dropped, and so are empty ones. */
export const commaList: ValueType<readonly string[]> = {
  expects: 'a comma-separated list',
  parse: (value) => Object.freeze(value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)),
  format: (value) => value.join(','),
};

/** A key of `bytes` bytes written in standard base64 (with its padding). */
export function base64Key(bytes: number): ValueType<Buffer> {
  const length = 4 * Math.ceil(bytes / 3);
  return {
    expects: `${bytes} bytes in standard base64 (${length} characters), e.g. the output of \`openssl rand -base64 ${bytes}\``,
    parse: (value) => {
      if (value.length !== length || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
      const key = Buffer.from(value, 'base64');
      if (key.length === bytes) return key;
      key.fill(0);
      return undefined;
    },
    format: (value) => value.toString('base64'),
  };
}
