/**
 * Every service of the identity API, built once from the configuration and shared by the
 * routes, the admin API and the CLI.
 */
import type { FastifyBaseLogger } from 'fastify';
import { ClientAdminService } from './admin/service.js';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { SecretBox } from '../lib/secret-box.js';
import { pruneExpired } from '../storage/maintenance.js';
import type { Database } from '../storage/schema.js';
import { AccessTokenVerifier } from './services/access-tokens.js';
import { ClientAuthenticator } from './services/client-auth.js';
import { IntrospectionService } from './services/introspection.js';
import { RefreshRotation } from './services/refresh-rotation.js';
import { RevocationService, type RevocationOutcome } from './services/revocation.js';
import { SigningKeyService } from './services/signing-keys.js';
import { TokenIssuer } from './services/token-issuer.js';

/** The services of one identity API instance. */
export interface IdentityServices {
  readonly config: Config;
  readonly db: Database;
  readonly clock: Clock;
  /** Vouches for the sidecar's `x-idsvc-*` headers; `undefined` trusts none. */
  readonly internalSecret: string | undefined;
  readonly signingKeys: SigningKeyService;
  /** The sidecar's handshake keys (docs/protocol.md section 12.1), handed to it over the internal route. */
  readonly handshakeKeys: SigningKeyService;
  readonly clientAuth: ClientAuthenticator;
  readonly verifier: AccessTokenVerifier;
  readonly issuer: TokenIssuer;
  readonly rotation: RefreshRotation;
  readonly revocation: RevocationService;
  readonly introspection: IntrospectionService;
  readonly admin: ClientAdminService;
  /** Observers told what happens (metrics); every callback optional. */
  readonly events: IdentityEvents;
  /** Stop timers and zeroize the at-rest key and cached digests. Does not close the database. */
  close(): void;
}

/** Options of {@link createIdentityServices}. */
export interface IdentityServicesOptions {
  config: Config;
  db: Database;
  clock: Clock;
  /** 32 bytes; only a key derived from it is kept, so the caller may zeroize it afterwards. */
  masterKey: Uint8Array;
  internalSecret?: string | undefined;
  log?: FastifyBaseLogger | undefined;
  /** Delete long-expired tokens every hour (default true). */
  prune?: boolean;
  /** Observers of what the services do, e.g. the app's metrics. */
  events?: IdentityEvents;
}

/** What the services report as it happens, for metrics. */
export interface IdentityEvents {
  /** A spent refresh token was presented again and its family revoked. */
  refreshReuse?(): void;
  /** A revocation request was served, with what it did. */
  revocation?(outcome: RevocationOutcome): void;
  /** A token issue with `single_session` revoked this many older families of its subject. */
  singleSessionRevocations?(families: number): void;
  /** This process committed a change of the signing-key set (first keys, a rotation, retired keys dropped). */
  signingKeyRotation?(): void;
  /** A Basic request was refused 503 because too many secret checks were waiting. */
  secretChecksBusy?(): void;
}

/** How long expired tokens are kept before housekeeping deletes them. */
const PRUNE_GRACE_MS = 24 * 3600 * 1000;
const PRUNE_INTERVAL_MS = 3600 * 1000;

/**
 * Build the services, creating or rotating signing keys as needed. The schema must be migrated.
 *
 * @example
 * ```ts
 * const services = await createIdentityServices({ config, db, clock: systemClock, masterKey });
 * ```
 */
export async function createIdentityServices(options: IdentityServicesOptions): Promise<IdentityServices> {
  const { config, db, clock, log } = options;
  const id = config.identity;
  const secretBox = new SecretBox(options.masterKey);
  const signingKeys = new SigningKeyService({
    db,
    secretBox,
    clock,
    rotationSec: id.signingKeyRotationSec,
    accessTokenTtlSec: id.accessTokenTtlSec,
    refreshTokenTtlSec: id.refreshTokenTtlSec,
    onRotation: () => options.events?.signingKeyRotation?.(),
  });
  // The sidecar's handshake keys rotate like the token keys. A retired one stays published
  // while a session it vouched for may still be live, so a client can still check it.
  const handshakeKeys = new SigningKeyService({
    db,
    secretBox,
    clock,
    purpose: 'handshake',
    rotationSec: id.signingKeyRotationSec,
    accessTokenTtlSec: config.sidecar.sessionTtlAuthenticatedSec,
    refreshTokenTtlSec: config.sidecar.sessionTtlAuthenticatedSec,
  });
  await signingKeys.start();
  await handshakeKeys.start();
  const clientAuth = new ClientAuthenticator({
    db,
    secretBox,
    clock,
    clockSkewSec: config.sidecar.clockSkewSec,
    onChecksBusy: () => options.events?.secretChecksBusy?.(),
  });
  const verifier = new AccessTokenVerifier({ db, signingKeys, clock, issuer: id.issuer });
  const issuer = new TokenIssuer({
    db,
    signingKeys,
    clock,
    issuer: id.issuer,
    accessTokenTtlSec: id.accessTokenTtlSec,
    refreshTokenTtlSec: id.refreshTokenTtlSec,
    customClaimsMaxBytes: id.customClaimsMaxBytes,
  });
  const rotation = new RefreshRotation({
    db,
    issuer,
    clock,
    onReuse: (familyId, clientId) => {
      log?.warn({ family_id: familyId, client_id: clientId }, 'refresh token reuse: token family revoked');
      options.events?.refreshReuse?.();
    },
  });
  const revocation = new RevocationService({ db, verifier, clock });
  const introspection = new IntrospectionService({ db, verifier, clock, issuer: id.issuer });
  const admin = new ClientAdminService({ db, secretBox, clock, onCredentialsChanged: (clientId) => clientAuth.forget(clientId) });

  let timer: NodeJS.Timeout | undefined;
  if (options.prune !== false) {
    timer = setInterval(() => {
      pruneExpired(db, clock.now() - PRUNE_GRACE_MS, id.accessTokenTtlSec * 1000).then(
        (result) => log?.debug({ pruned: result }, 'expired tokens pruned'),
        (err: unknown) => log?.warn({ err }, 'pruning expired tokens failed'),
      );
    }, PRUNE_INTERVAL_MS);
    // Housekeeping must never keep a process alive on its own.
    timer.unref();
  }

  return {
    config,
    db,
    clock,
    internalSecret: options.internalSecret,
    signingKeys,
    handshakeKeys,
    clientAuth,
    verifier,
    issuer,
    rotation,
    revocation,
    introspection,
    admin,
    events: options.events ?? {},
    close: () => {
      if (timer !== undefined) clearInterval(timer);
      clientAuth.close();
      secretBox.destroy();
    },
  };
}
