/**
 * The sidecar's handshake key (docs/protocol.md section 12.1): the ES256 key that signs
 * every session init transcript, and the public set published at
 * `/.well-known/sidecar-jwks.json`. The identity API keeps and rotates the keys; the
 * sidecar asks `GET /internal/v1/handshake-keys` with the internal secret and holds the
 * active private key in memory only, asking again when the answer says (at the latest
 * when the active key retires), so session init itself never waits on the identity API.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type HandshakeKeysAnswer, type HandshakePublicJwk, INTERNAL_AUTH_HEADER, INTERNAL_PATHS } from '../contract/internal-api.js';
import type { Clock } from '../lib/clock.js';
import { StoreUnavailableError } from '../stores/errors.js';
import type { Upstream } from './upstream.js';

/** The key that signs session init answers now. */
export interface HandshakeSigner {
  kid: string;
  privateKey: KeyObject;
}

/** Where the sidecar gets its handshake keys. */
export interface HandshakeKeySource {
  /** The key to sign with now. @throws StoreUnavailableError (503) when it cannot be had. */
  signer(): Promise<HandshakeSigner>;
  /** The public key set to publish. @throws StoreUnavailableError (503) when it cannot be had. */
  jwks(): Promise<{ keys: HandshakePublicJwk[] }>;
}

/** After a failed fetch, wait this long before asking again, so an outage is not hammered. */
const RETRY_AFTER_MS = 1_000;
/** A key already held keeps signing this long past its `refresh_at` while the identity API does not answer. */
const STALE_GRACE_MS = 60_000;

interface Held {
  signer: HandshakeSigner;
  keys: HandshakePublicJwk[];
  refreshAt: number;
}

/**
 * The handshake keys of the identity API behind `upstream`, cached until the answer's
 * `refresh_at`. Concurrent callers share one fetch. A failed fetch keeps the key held for
 * a short grace (the key is still published then), after which session init answers 503.
 *
 * @example
 * ```ts
 * const handshakeKeys = upstreamHandshakeKeys(upstream, internalSecret, clock);
 * const { kid, privateKey } = await handshakeKeys.signer();
 * ```
 */
export function upstreamHandshakeKeys(upstream: Upstream, internalSecret: string, clock: Clock): HandshakeKeySource {
  let held: Held | undefined;
  let fetching: Promise<Held> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  const fetchKeys = async (): Promise<Held> => {
    let response;
    try {
      response = await upstream.send({ method: 'GET', path: INTERNAL_PATHS.handshakeKeys, headers: { [INTERNAL_AUTH_HEADER]: internalSecret } });
    } catch (err) {
      throw new StoreUnavailableError('handshake keys (identity API) did not answer', { cause: err });
    }
    if (response.status !== 200) throw new StoreUnavailableError(`handshake keys (identity API) answered ${response.status}`);
    let answer: HandshakeKeysAnswer;
    try {
      answer = JSON.parse(response.body.toString('utf8')) as HandshakeKeysAnswer;
    } catch (err) {
      throw new StoreUnavailableError('handshake keys (identity API) answered something that is not JSON', { cause: err });
    } finally {
      // The body held the private key in clear.
      response.body.fill(0);
    }
    const { active, keys, refresh_at: refreshAt } = answer;
    if (typeof active?.kid !== 'string' || typeof active.pkcs8 !== 'string' || !Array.isArray(keys) || typeof refreshAt !== 'number') {
      throw new StoreUnavailableError('handshake keys (identity API) answered an unexpected shape');
    }
    if (!keys.some((k) => k.kid === active.kid)) throw new StoreUnavailableError('handshake keys (identity API): the active key is not in the published set');
    const der = Buffer.from(active.pkcs8, 'base64');
    try {
      const privateKey = held?.signer.kid === active.kid ? held.signer.privateKey : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      return { signer: { kid: active.kid, privateKey }, keys, refreshAt };
    } finally {
      der.fill(0);
    }
  };

  const current = async (): Promise<Held> => {
    const now = clock.now();
    if (held !== undefined && now < held.refreshAt) return held;
    if (now - failedAt < RETRY_AFTER_MS) return usableOrThrow(now);
    fetching ??= fetchKeys()
      .then((fresh) => {
        held = fresh;
        return fresh;
      })
      .catch((err: unknown) => {
        failedAt = clock.now();
        if (held !== undefined && clock.now() < held.refreshAt + STALE_GRACE_MS) return held;
        throw err;
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };

  const usableOrThrow = (now: number): Held => {
    if (held !== undefined && now < held.refreshAt + STALE_GRACE_MS) return held;
    throw new StoreUnavailableError('handshake keys (identity API) unavailable');
  };

  return {
    signer: async () => (await current()).signer,
    jwks: async () => ({ keys: (await current()).keys }),
  };
}
