/**
 * ES256 signing keys and their rotation: the keys that sign access tokens, and (a second
 * instance with purpose `handshake`) the sidecar's handshake keys of docs/protocol.md
 * section 12.1. Each purpose rotates on its own, through the same states and code.
 *
 * Each key moves through three states, one row in `signing_keys`:
 *
 *     next ──(the active key's retires_at)──> active ──(retires_at)──> retired ──> deleted
 *
 * - A `next` key always exists and is published in the JWKS a whole rotation period before
 *   it signs, so a verifier holding a cached JWKS already knows it when it starts signing.
 * - The `active` key signs for SIGNING_KEY_ROTATION seconds.
 * - A `retired` key stays published until the last access token it signed has expired
 *   (`expires_at`), and stays usable here to check the signature of expired bearers
 *   presented for refresh until the refresh-token lifetime has passed, then is deleted.
 *
 * Private keys are stored encrypted with the master key. Rotation runs in one transaction
 * with conditional state changes and a unique index on the non-retired states, so several
 * processes rotating at the same moment leave exactly one `active` and one `next` key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Clock } from '../../lib/clock.js';
import { SecretBoxError, type SecretBox } from '../../lib/secret-box.js';
import { handshakeKeyContext, signingKeyContext } from '../../lib/secret-context.js';
import { isUniqueViolation } from '../../storage/database.js';
import type { Database, SigningKeyPurpose } from '../../storage/schema.js';
import {
  deleteRetiredKeys,
  insertSigningKey,
  listSigningKeys,
  transitionSigningKey,
  type SigningKeyRecord,
} from '../../storage/signing-keys-repository.js';

/** Margin for clock differences between this server and token verifiers. */
const LEEWAY_MS = 60_000;
/** How often the key set is re-read, to follow rotations made by other processes. */
const RELOAD_INTERVAL_MS = 60_000;
/** An unknown `kid` triggers a re-read at most this often, so random kids cannot hammer the database. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

/** Options of {@link SigningKeyService}. */
export interface SigningKeyServiceOptions {
  db: Database;
  /** What these keys sign; default `token`. */
  purpose?: SigningKeyPurpose;
  secretBox: SecretBox;
  clock: Clock;
  /** SIGNING_KEY_ROTATION: how long a key signs. */
  rotationSec: number;
  /** ACCESS_TOKEN_TTL for token keys: how long a retired key stays published. */
  accessTokenTtlSec: number;
  /** REFRESH_TOKEN_TTL for token keys: how long a retired key still checks expired bearers presented for refresh. */
  refreshTokenTtlSec: number;
  /** Called after each change of the key set this process committed (for metrics). */
  onRotation?: () => void;
}

/** The key that signs now. */
export interface ActiveSigningKey {
  kid: string;
  privateKey: KeyObject;
  /** When it stops signing (ms); the next key takes over then. */
  retiresAt: number;
}

/** A public key as published in the JWKS. */
export type PublishedJwk = JWK & { kid: string; use: 'sig'; alg: 'ES256' };

interface LoadedKey {
  record: SigningKeyRecord;
  publicKey: KeyObject;
}

/** A conditional state change lost to another process: re-read and try again. */
class RotationConflict extends Error {}

/**
 * Holds the signing keys in memory, rotates them when due and answers key lookups without
 * touching the database on the hot path.
 *
 * @example
 * ```ts
 * const keys = new SigningKeyService({ db, secretBox, clock, rotationSec, accessTokenTtlSec, refreshTokenTtlSec });
 * await keys.start();
 * const { kid, privateKey } = await keys.signingKey();
 * ```
 */
export class SigningKeyService {
  private readonly opts: SigningKeyServiceOptions;
  private readonly purpose: SigningKeyPurpose;
  private keys = new Map<string, LoadedKey>();
  private active: ActiveSigningKey | undefined;
  /** When the in-memory view must be refreshed (rotation due, or periodic re-read). */
  private refreshAt = 0;
  private lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(options: SigningKeyServiceOptions) {
    this.opts = options;
    this.purpose = options.purpose ?? 'token';
  }

  /** Create the first keys if there are none, rotate if due, and load the key set. */
  async start(): Promise<void> {
    await this.refresh();
  }

  /** The active key, rotating first when its time has come. */
  async signingKey(): Promise<ActiveSigningKey> {
    if (this.active === undefined || this.opts.clock.now() >= this.refreshAt) await this.refresh();
    if (this.active === undefined) throw new Error('no active signing key');
    return this.active;
  }

  /** The public key for `kid` if it may still verify tokens, re-reading the key set (rate-limited) when unknown. */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    const now = this.opts.clock.now();
    if (now >= this.refreshAt) await this.refresh();
    let key = this.keys.get(kid);
    if (key === undefined && now - this.lastUnknownKidReload >= UNKNOWN_KID_RELOAD_MS) {
      this.lastUnknownKidReload = now;
      await this.refresh();
      key = this.keys.get(kid);
    }
    if (key === undefined || !this.verifies(key.record, now)) return undefined;
    return key.publicKey;
  }

  /** The published key set: the active key, the next key, and retired keys whose tokens may still be live. */
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    const now = this.opts.clock.now();
    if (now >= this.refreshAt) await this.refresh();
    const order = { active: 0, next: 1, retired: 2 } as const;
    const published = [...this.keys.values()]
      .map((k) => k.record)
      .filter((r) => r.state !== 'retired' || (r.expiresAt !== null && r.expiresAt > now))
      .sort((a, b) => order[a.state] - order[b.state] || b.activatesAt - a.activatesAt);
    return { keys: published.map((r) => ({ ...r.publicJwk, kid: r.kid, use: 'sig', alg: 'ES256' })) };
  }

  /** Rotate in the database if due, then re-read the key set. One run at a time. */
  async refresh(): Promise<void> {
    this.inflight ??= this.rotateAndLoad().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async rotateAndLoad(): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        const now = this.opts.clock.now();
        const records = await listSigningKeys(this.opts.db, this.purpose);
        if (this.rotationDue(records, now)) {
          await this.opts.db.transaction().execute((trx) => this.rotate(trx, now));
          this.opts.onRotation?.();
          continue;
        }
        this.load(records, now);
        return;
      } catch (err) {
        // Another process rotated at the same moment: its result is as good as ours.
        if (err instanceof RotationConflict || isUniqueViolation(err)) continue;
        throw err;
      }
    }
    throw new Error('signing key rotation did not settle after 5 attempts');
  }

  private rotationDue(records: SigningKeyRecord[], now: number): boolean {
    const active = records.find((r) => r.state === 'active');
    const next = records.find((r) => r.state === 'next');
    const forgetBefore = now - this.verifyWindowMs();
    return (
      active === undefined ||
      next === undefined ||
      active.retiresAt <= now ||
      records.some((r) => r.state === 'retired' && r.retiresAt < forgetBefore)
    );
  }

  /** One rotation step, inside a transaction. Throws {@link RotationConflict} when another process moved first. */
  private async rotate(trx: Database, now: number): Promise<void> {
    const { rotationSec, accessTokenTtlSec } = this.opts;
    const records = await listSigningKeys(trx, this.purpose);
    let active = records.find((r) => r.state === 'active');
    let next = records.find((r) => r.state === 'next');

    if (active !== undefined && active.retiresAt <= now) {
      // It may have signed until now (if no process ran at retires_at), so count from now.
      const expiresAt = now + accessTokenTtlSec * 1000 + LEEWAY_MS;
      if (!(await transitionSigningKey(trx, active.kid, 'active', 'retired', { retiresAt: Math.min(active.retiresAt, now), expiresAt }))) {
        throw new RotationConflict();
      }
      active = undefined;
    }
    if (active === undefined) {
      const retiresAt = now + rotationSec * 1000;
      if (next !== undefined) {
        if (!(await transitionSigningKey(trx, next.kid, 'next', 'active', { activatesAt: now, retiresAt }))) throw new RotationConflict();
        active = { ...next, state: 'active', activatesAt: now, retiresAt };
        next = undefined;
      } else {
        active = await this.createKey(trx, 'active', now, now, retiresAt);
      }
    }
    if (next === undefined) {
      await this.createKey(trx, 'next', now, active.retiresAt, active.retiresAt + rotationSec * 1000);
    }
    await deleteRetiredKeys(trx, this.purpose, now - this.verifyWindowMs());
  }

  private async createKey(trx: Database, state: 'next' | 'active', now: number, activatesAt: number, retiresAt: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    // The RFC 7638 thumbprint: a kid that names exactly this key.
    const kid = await calculateJwkThumbprint(publicJwk as JWK);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const record: SigningKeyRecord = {
      kid,
      purpose: this.purpose,
      state,
      publicJwk,
      privateBox: this.opts.secretBox.seal(der, this.context(kid)),
      createdAt: now,
      activatesAt,
      retiresAt,
      expiresAt: null,
    };
    der.fill(0);
    await insertSigningKey(trx, record);
    return record;
  }

  private load(records: SigningKeyRecord[], now: number): void {
    const keys = new Map<string, LoadedKey>();
    for (const record of records) {
      const previous = this.keys.get(record.kid);
      const publicKey = previous?.publicKey ?? createPublicKey({ key: record.publicJwk as JWK & { kty: string }, format: 'jwk' });
      keys.set(record.kid, { record, publicKey });
    }
    const activeRecord = records.find((r) => r.state === 'active');
    if (activeRecord === undefined) throw new Error(`no active ${this.purpose} signing key after rotation`);
    if (this.active?.kid !== activeRecord.kid) {
      this.active = { kid: activeRecord.kid, privateKey: this.openPrivateKey(activeRecord), retiresAt: activeRecord.retiresAt };
    } else {
      this.active = { ...this.active, retiresAt: activeRecord.retiresAt };
    }
    this.keys = keys;
    this.refreshAt = Math.min(activeRecord.retiresAt, now + RELOAD_INTERVAL_MS);
  }

  private openPrivateKey(record: SigningKeyRecord): KeyObject {
    let der: Buffer;
    try {
      der = this.opts.secretBox.open(record.privateBox, this.context(record.kid));
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      throw new Error(`the ${this.purpose} signing key ${record.kid} does not decrypt: MASTER_KEY is not the key the database was written with`);
    }
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  }

  /** The at-rest context of a key's private half: a box of one purpose never opens as the other. */
  private context(kid: string): string {
    return this.purpose === 'token' ? signingKeyContext(kid) : handshakeKeyContext(kid);
  }

  /** A key verifies while not retired, or until the refresh window after its retirement has passed. */
  private verifies(record: SigningKeyRecord, now: number): boolean {
    return record.state !== 'retired' || record.retiresAt + this.verifyWindowMs() > now;
  }

  private verifyWindowMs(): number {
    return Math.max(this.opts.accessTokenTtlSec, this.opts.refreshTokenTtlSec) * 1000 + LEEWAY_MS;
  }
}
