/**
 * Client authentication at token issue: HTTP Basic (internal clients) or an HMAC request
 * signature (external clients, docs/protocol.md section 7). A client registered for one method
 * is refused with the other.
 *
 * Basic secrets are stored as scrypt hashes, which cost tens of milliseconds to check. A
 * verified secret is remembered as an HMAC-SHA256 digest under a key that exists only in
 * this process's memory, over the client id, its current stored hash and the presented
 * secret; a later request with the same secret costs one HMAC instead of one scrypt run.
 * The digest includes the stored hash, so a rotated secret never matches an old entry even
 * when the rotation happened in another process; rotation and disabling in this process also
 * drop the client's entries at once. The cache is bounded (least recently used out first).
 *
 * Secrets not remembered are checked two at a time, with at most 32 waiting; a request
 * beyond that is refused 503 `temporarily_unavailable` without any scrypt run. A stream of
 * wrong secrets therefore costs at most two threads of the pool, and clients whose secret
 * is remembered never wait behind it.
 *
 * The checks are also fair per client: one client id has at most one check in progress
 * (the same secret presented at once shares it), so a flood of wrong secrets for one client
 * holds one of the two turns and never fills the line in front of another client. And each
 * client's failures back off: after 5 wrong secrets in a row its secrets that are not
 * remembered are refused 503 with `Retry-After` for 1 s, doubling up to 60 s, until a
 * correct one succeeds. Both refusals cost no scrypt run, and a remembered correct secret
 * is checked before either, so it keeps working through its own client's flood.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { checkTimestamp, decodeBase64, parseIdempotencyKey, verifySignatureSync } from '@idsvc/protocol';
import { BoundedCache } from '../../lib/bounded-cache.js';
import { FailureBackoff } from '../../lib/failure-backoff.js';
import type { Clock } from '../../lib/clock.js';
import { InvalidClientError, InvalidRequestError, OAuthError } from '../../lib/oauth-error.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { hashSecret, needsRehash, verifySecret } from '../../lib/secret-hash.js';
import { clientSecretContext } from '../../lib/secret-context.js';
import { WorkGate } from '../../lib/work-gate.js';
import { findClient, replaceSecretHash, type ClientRecord } from '../../storage/clients-repository.js';
import type { Database } from '../../storage/schema.js';

/** What a token issue request presents to authenticate its client. */
export interface ClientCredentials {
  /** The `Authorization` header (`Basic ...`). */
  authorization: string | undefined;
  /** The `X-Signature` header. */
  signature: string | undefined;
  /** The `X-ClientId` header: names the client of an HMAC request. */
  clientId: string | undefined;
  /** The `X-Idempotency-Key` header: its timestamp and nonce are signed. */
  idempotencyKey: string | undefined;
  /** The exact request body bytes. */
  body: Uint8Array;
}

/** Options of {@link ClientAuthenticator}. */
export interface ClientAuthenticatorOptions {
  db: Database;
  secretBox: SecretBox;
  clock: Clock;
  /** How far an HMAC request's timestamp may be from our clock (CLOCK_SKEW). */
  clockSkewSec: number;
  /** Most verified secrets remembered (default 10,000). */
  cacheSize?: number;
  /** Basic secrets checked (scrypt) at once; default 2 of libuv's 4 threads. */
  maxConcurrentChecks?: number;
  /** Secret checks that may wait for a turn; beyond that a request gets 503 (default 32). */
  maxQueuedChecks?: number;
  /** Secret checks of one client in progress at once; beyond that its requests get 503 (default 1). */
  maxChecksPerClient?: number;
  /** Wrong secrets in a row a client may send before it is held off (default 5). */
  failuresBeforeBackoff?: number;
  /** Called for each request refused because too many secret checks were waiting, or its client is held off. */
  onChecksBusy?: () => void;
}

const BASIC_CHALLENGE = 'Basic realm="idsvc"';

/**
 * Authenticates the client of a token issue request.
 *
 * @example
 * ```ts
 * const client = await auth.authenticate({ authorization, signature, clientId, idempotencyKey, body });
 * ```
 */
export class ClientAuthenticator {
  private readonly opts: ClientAuthenticatorOptions;
  /** Per-process key of the verified-secret digests; never stored or logged. */
  private readonly cacheKey = randomBytes(32);
  /** digest → client id */
  private readonly verified: BoundedCache<string, string>;
  /** Checks in progress, so a burst with one new secret runs scrypt once. */
  private readonly pending = new Map<string, Promise<boolean>>();
  /** Bounds the scrypt runs, which anyone can cause with a wrong secret (see WorkGate). */
  private readonly checks: WorkGate;
  /** Checks in progress (running or waiting) per client id. */
  private readonly inFlight = new Map<string, number>();
  private readonly backoff: FailureBackoff;

  constructor(options: ClientAuthenticatorOptions) {
    this.opts = options;
    this.verified = new BoundedCache(options.cacheSize ?? 10_000);
    this.checks = new WorkGate(options.maxConcurrentChecks ?? 2, options.maxQueuedChecks ?? 32);
    this.backoff = new FailureBackoff({ clock: options.clock, threshold: options.failuresBeforeBackoff ?? 5 });
  }

  /**
   * The authenticated, active client.
   * @throws InvalidClientError (401) for any authentication failure; InvalidRequestError (400)
   *   when both methods are used at once; a protocol error (400) for a malformed or stale
   *   `X-Idempotency-Key` on an HMAC request.
   */
  async authenticate(credentials: ClientCredentials): Promise<ClientRecord> {
    const hasBasic = nonEmpty(credentials.authorization);
    const hasSignature = nonEmpty(credentials.signature);
    // RFC 6749 section 2.3: a client must not use more than one authentication method at once.
    if (hasBasic && hasSignature) throw new InvalidRequestError('Use one client authentication method per request.');
    if (hasBasic) return this.basic(credentials.authorization as string);
    if (hasSignature) return this.hmac(credentials);
    throw new InvalidClientError('no client authentication presented', BASIC_CHALLENGE);
  }

  /** Forget everything remembered and zeroize the digest key (when the server stops). */
  close(): void {
    this.verified.clear();
    this.cacheKey.fill(0);
  }

  /** Forget every verified secret of a client (after a rotation or when it is disabled). */
  forget(clientId: string): void {
    this.verified.deleteWhere((id) => id === clientId);
    // A new secret starts with a clean slate.
    this.backoff.succeeded(clientId);
  }

  private async basic(header: string): Promise<ClientRecord> {
    const match = /^Basic +([^ ]+) *$/i.exec(header);
    if (match === null) throw new InvalidClientError('authorization is not Basic', BASIC_CHALLENGE);
    let decoded: Buffer;
    try {
      decoded = Buffer.from(decodeBase64(match[1] as string));
    } catch {
      throw new InvalidClientError('Basic credentials are not valid base64', BASIC_CHALLENGE);
    }
    try {
      const colon = decoded.indexOf(0x3a);
      if (colon <= 0) throw new InvalidClientError('Basic credentials have no client id', BASIC_CHALLENGE);
      const clientId = decoded.subarray(0, colon).toString('utf8');
      const secret = decoded.subarray(colon + 1);
      const client = await this.activeClient(clientId, 'basic', BASIC_CHALLENGE);
      if (client.secretHash === null || !(await this.basicSecretMatches(client.id, client.secretHash, secret))) {
        throw new InvalidClientError(`wrong secret for client ${clientId}`, BASIC_CHALLENGE);
      }
      return client;
    } finally {
      decoded.fill(0);
    }
  }

  private async basicSecretMatches(clientId: string, secretHash: string, secret: Uint8Array): Promise<boolean> {
    const digest = this.digest(clientId, secretHash, secret);
    // A remembered correct secret first: no flood, of its own client or another, holds it up.
    if (this.verified.get(digest) === clientId) return true;
    let check = this.pending.get(digest);
    if (check === undefined) {
      const heldOffMs = this.backoff.heldOffMs(clientId);
      if (heldOffMs > 0) throw this.busy(`client ${clientId} held off after repeated wrong secrets`, heldOffMs);
      const inFlight = this.inFlight.get(clientId) ?? 0;
      if (inFlight >= (this.opts.maxChecksPerClient ?? 1)) throw this.busy(`a secret check of client ${clientId} is in progress`, 1000);
      const queued = this.checks.run(() => this.verifyAndUpgrade(clientId, secretHash, secret));
      if (queued === undefined) throw this.busy(`secret checks queue full (client ${clientId})`, 1000);
      this.inFlight.set(clientId, inFlight + 1);
      check = queued.finally(() => {
        this.pending.delete(digest);
        const left = (this.inFlight.get(clientId) ?? 1) - 1;
        if (left > 0) this.inFlight.set(clientId, left);
        else this.inFlight.delete(clientId);
      });
      this.pending.set(digest, check);
      void check.then(
        (ok) => (ok ? this.backoff.succeeded(clientId) : this.backoff.failed(clientId)),
        () => undefined,
      );
    }
    const ok = await check;
    if (ok) this.verified.set(digest, clientId);
    return ok;
  }

  /**
   * Check the secret; when it matches a hash of an older version (lib/secret-hash.ts),
   * store a current hash of it, so that stored hashes migrate as their clients come by.
   */
  private async verifyAndUpgrade(clientId: string, secretHash: string, secret: Uint8Array): Promise<boolean> {
    const ok = await verifySecret(secret, secretHash);
    if (ok && needsRehash(secretHash)) {
      try {
        const upgraded = await hashSecret(secret);
        if (await replaceSecretHash(this.opts.db, clientId, secretHash, upgraded)) {
          // The next request reads the new hash: remember the secret under it too.
          this.verified.set(this.digest(clientId, upgraded, secret), clientId);
        }
      } catch {
        // The old hash still verifies; the upgrade is tried again on the next check.
      }
    }
    return ok;
  }

  /** 503 `temporarily_unavailable` with `Retry-After`, for a check that is not run now. */
  private busy(detail: string, retryAfterMs: number): OAuthError {
    this.opts.onChecksBusy?.();
    return new OAuthError('temporarily_unavailable', {
      description: 'Too many client authentications are in progress; retry shortly.',
      detail,
      retryAfterSec: Math.ceil(retryAfterMs / 1000),
    });
  }

  private digest(clientId: string, secretHash: string, secret: Uint8Array): string {
    // Length prefixes keep the three fields unambiguous.
    return createHmac('sha256', this.cacheKey)
      .update(`${clientId.length}:${clientId}|${secretHash.length}:${secretHash}|`)
      .update(secret)
      .digest('base64');
  }

  private async hmac(credentials: ClientCredentials): Promise<ClientRecord> {
    const clientId = credentials.clientId ?? '';
    if (clientId === '') throw new InvalidClientError('signed request without X-ClientId');
    const client = await this.activeClient(clientId, 'hmac');
    const { timestamp, timestampMs, nonce } = parseIdempotencyKey(credentials.idempotencyKey ?? '');
    checkTimestamp(timestampMs, this.opts.clock.now(), this.opts.clockSkewSec);
    if (client.secretBox === null) throw new InvalidClientError(`client ${clientId} has no HMAC secret`);
    const secret = this.opts.secretBox.open(client.secretBox, clientSecretContext(client.id));
    try {
      const ok = verifySignatureSync({ secret, timestamp, nonce, body: credentials.body, signature: credentials.signature ?? '' });
      if (!ok) throw new InvalidClientError(`bad signature for client ${clientId}`);
      return client;
    } finally {
      secret.fill(0);
    }
  }

  private async activeClient(clientId: string, method: 'basic' | 'hmac', challenge?: string): Promise<ClientRecord> {
    const client = await findClient(this.opts.db, clientId);
    if (client === undefined) throw new InvalidClientError(`unknown client ${clientId}`, challenge);
    if (client.status !== 'active') throw new InvalidClientError(`client ${clientId} is disabled`, challenge);
    if (client.authMethod !== method) {
      throw new InvalidClientError(`client ${clientId} is registered for ${client.authMethod}, presented ${method}`, challenge);
    }
    return client;
  }
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
