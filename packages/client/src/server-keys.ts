/**
 * The sidecar's handshake keys as the SDK knows them (docs/protocol.md section 12.1): from
 * the sidecar's published key set, from a key set given in configuration, or pinned.
 * A session init is trusted only when its `X-Handshake-Kid` is found here.
 */
import { encodeBase64, handshakePublicKeyFromJwk, type HandshakePublicJwk, type Protocol as ProtocolApi } from '@idsvc/protocol/web';
import type { Transport } from './http.js';

/**
 * Where the SDK finds the sidecar's handshake keys (the `serverKeys` option):
 *
 * - a URL (string or `URL`) of the sidecar's key set, normally
 *   `<sidecar>/.well-known/sidecar-jwks.json`. It is fetched on first use, again after
 *   `SERVER_KEYS_MAX_AGE_SEC` (5 minutes), and again (at most every
 *   `SERVER_KEYS_MIN_REFETCH_SEC`, 10 s) when an answer names a key it does not list, so a
 *   rotated-in key is picked up and a key retired past its window stops being trusted;
 * - a key set object, `{ keys: [...] }`, as the sidecar publishes it;
 * - pinned keys, `{ pinned: [...] }`: public JWKs matched by their RFC 7638 thumbprint,
 *   which is how the sidecar names its keys.
 *
 * A given key set or pinned key must be an ES256 public key (`kty` EC, `crv` P-256), or
 * the client's constructor throws `TypeError`.
 */
export type ServerKeys = string | URL | { keys: HandshakePublicJwk[] } | { pinned: HandshakePublicJwk[] };

/** How long a fetched key set is used before it is fetched again. */
export const SERVER_KEYS_MAX_AGE_SEC = 300;
/** The shortest time between two fetches caused by an unknown `kid`. */
export const SERVER_KEYS_MIN_REFETCH_SEC = 10;

/** The key set could not be fetched or read. */
export class ServerKeysUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerKeysUnavailableError';
  }
}

/** A lookup of handshake keys by `kid`. */
export interface ServerKeySource {
  /** The key named `kid`, or undefined when it is not trusted. Throws `ServerKeysUnavailableError` when the key set cannot be had. */
  find(kid: string, signal?: AbortSignal): Promise<HandshakePublicJwk | undefined>;
}

/** What a key source may need: crypto for thumbprints, transport and clock for fetching. */
export interface ServerKeyDeps {
  protocol: ProtocolApi;
  transport: Transport;
  now: () => number;
}

function base64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** RFC 7638 thumbprint of an EC public key: SHA-256 of its required members in lexical order. */
export async function jwkThumbprint(protocol: ProtocolApi, jwk: HandshakePublicJwk): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64Url(await protocol.backend.sha256(new TextEncoder().encode(canonical)));
}

/** A fixed set of keys: a configured key set (by its `kid`s) or pinned keys (by thumbprint). */
class FixedKeys implements ServerKeySource {
  #byKid: Promise<Map<string, HandshakePublicJwk>> | undefined;

  constructor(
    private readonly keys: HandshakePublicJwk[],
    private readonly pinned: boolean,
    private readonly protocol: ProtocolApi,
  ) {
    const what = pinned ? 'serverKeys.pinned' : 'serverKeys.keys';
    if (!Array.isArray(keys) || keys.length === 0) throw new TypeError(`${what} must be a non-empty array of public JWKs`);
    for (const jwk of keys) {
      handshakePublicKeyFromJwk(jwk);
      if (!pinned && typeof jwk.kid !== 'string') throw new TypeError(`${what}: every key needs its kid`);
    }
  }

  async find(kid: string): Promise<HandshakePublicJwk | undefined> {
    this.#byKid ??= this.#index();
    return (await this.#byKid).get(kid);
  }

  async #index(): Promise<Map<string, HandshakePublicJwk>> {
    const byKid = new Map<string, HandshakePublicJwk>();
    for (const jwk of this.keys) {
      const thumbprint = await jwkThumbprint(this.protocol, jwk);
      // A pinned key is the key itself: its name is derived from it, never taken on trust.
      if (this.pinned && jwk.kid !== undefined && jwk.kid !== thumbprint) {
        throw new ServerKeysUnavailableError(`serverKeys.pinned: kid ${String(jwk.kid)} is not the key's RFC 7638 thumbprint`);
      }
      byKid.set(this.pinned ? thumbprint : (jwk.kid as string), jwk);
    }
    return byKid;
  }
}

/** The sidecar's published key set, fetched and kept for a while. */
class FetchedKeys implements ServerKeySource {
  #keys: Map<string, HandshakePublicJwk> | undefined;
  #fetchedAt = 0;
  #pending: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly deps: ServerKeyDeps,
  ) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('serverKeys must be an http(s) URL');
  }

  async find(kid: string, signal?: AbortSignal): Promise<HandshakePublicJwk | undefined> {
    const age = this.deps.now() - this.#fetchedAt;
    if (this.#keys === undefined || age >= SERVER_KEYS_MAX_AGE_SEC * 1000) {
      await this.#refresh(signal);
    } else if (!this.#keys.has(kid) && age >= SERVER_KEYS_MIN_REFETCH_SEC * 1000) {
      // Maybe a key rotated in since the last fetch; maybe an attacker's kid (hence the rate limit).
      await this.#refresh(signal);
    }
    return this.#keys?.get(kid);
  }

  /** One fetch at a time, shared by every caller that needs it. */
  #refresh(signal?: AbortSignal): Promise<void> {
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.deps.transport.timeoutMs);
    let body: unknown;
    try {
      const res = await this.deps.transport.fetch(this.url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      body = await res.json();
    } catch (err) {
      // A set that cannot be read leaves nothing trusted: fail closed, keep no stale keys.
      this.#keys = undefined;
      throw new ServerKeysUnavailableError(`cannot read the sidecar's key set at ${this.url}`, { cause: err });
    }
    const listed = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(listed)) {
      this.#keys = undefined;
      throw new ServerKeysUnavailableError(`${this.url} is not a JWK set`);
    }
    const keys = new Map<string, HandshakePublicJwk>();
    for (const jwk of listed as HandshakePublicJwk[]) {
      try {
        handshakePublicKeyFromJwk(jwk);
      } catch {
        continue; // a key of another kind is simply not a handshake key
      }
      if (typeof jwk.kid === 'string') keys.set(jwk.kid, jwk);
    }
    this.#keys = keys;
    this.#fetchedAt = this.deps.now();
  }
}

/** The key source of a `serverKeys` option. Throws `TypeError` for a malformed option. */
export function serverKeySource(option: ServerKeys, deps: ServerKeyDeps): ServerKeySource {
  if (typeof option === 'string' || option instanceof URL) return new FetchedKeys(String(option), deps);
  if (typeof option === 'object' && option !== null && 'pinned' in option) return new FixedKeys(option.pinned, true, deps.protocol);
  if (typeof option === 'object' && option !== null && 'keys' in option) return new FixedKeys(option.keys, false, deps.protocol);
  throw new TypeError('serverKeys must be a key set URL, a key set {keys}, or pinned keys {pinned}');
}
