/**
 * The identity API's own metrics, on top of the HTTP ones: tokens issued, refresh
 * rotations, refresh-token reuse detected, grace replays, deadline rollbacks, revocations by outcome, families revoked by
 * single_session, and signing-key rotations.
 */
import type { Counter } from 'prom-client';
import { PATHS } from '@idsvc/protocol';
import type { IdentityEvents } from './context.js';
import type { RevocationOutcome } from './services/revocation.js';
import { ServiceMetrics } from '../ops/metrics.js';

const REVOCATION_OUTCOMES: readonly RevocationOutcome[] = ['family_revoked', 'access_token_revoked', 'ignored'];

/**
 * @example
 * ```ts
 * const metrics = new IdentityMetrics();
 * const services = await createIdentityServices({ ...options, events: metrics.events });
 * ```
 */
export class IdentityMetrics extends ServiceMetrics {
  readonly tokensIssued: Counter<'grant'>;
  readonly refreshRotations: Counter;
  readonly reuseDetected: Counter;
  readonly graceReplays: Counter;
  readonly deadlineRollbacks: Counter;
  readonly revocations: Counter<'outcome'>;
  readonly singleSessionRevocations: Counter;
  readonly signingKeyRotations: Counter;
  readonly secretChecksRefused: Counter;
  /** What the services report as it happens (refresh-token reuse, revocations). */
  readonly events: IdentityEvents;

  constructor() {
    super('identity');
    this.tokensIssued = this.counter(
      'idsvc_tokens_issued_total',
      'Access tokens issued, by grant: "issue" (token issue) or "refresh_token" (rotation).',
      ['grant'],
    );
    this.refreshRotations = this.counter('idsvc_refresh_rotations_total', 'Refresh tokens exchanged for new tokens (rotation), grace replays included.');
    this.reuseDetected = this.counter(
      'idsvc_refresh_reuse_detected_total',
      'Spent refresh tokens presented again; each revoked its whole token family.',
    );
    this.graceReplays = this.counter(
      'idsvc_refresh_grace_replays_total',
      'Just-rotated refresh tokens presented again by their client within its grace window and answered with the same successor.',
    );
    this.deadlineRollbacks = this.counter(
      'idsvc_refresh_deadline_rollbacks_total',
      "Refreshes rolled back (or not begun) because the sidecar's deadline had passed: the client was told 502 and keeps its token.",
    );
    this.revocations = this.counter(
      'idsvc_revocations_total',
      'Revocation requests answered, by outcome: family_revoked, access_token_revoked, or ignored (unknown, foreign or already revoked).',
      ['outcome'],
    );
    this.singleSessionRevocations = this.counter(
      'idsvc_single_session_revocations_total',
      'Token families revoked because a newer token issue for the same client and subject asked for single_session.',
    );
    this.signingKeyRotations = this.counter(
      'idsvc_signing_key_rotations_total',
      'Changes of the signing-key set committed by this process: the first keys, a rotation, retired keys dropped.',
    );
    this.secretChecksRefused = this.counter(
      'idsvc_secret_checks_refused_total',
      'Basic token issues refused 503 because too many client secrets were already waiting to be checked (scrypt).',
    );
    for (const grant of ['issue', 'refresh_token']) this.tokensIssued.inc({ grant }, 0);
    for (const outcome of REVOCATION_OUTCOMES) this.revocations.inc({ outcome }, 0);
    this.events = {
      refreshReuse: () => this.reuseDetected.inc(),
      refreshGraceReplay: () => this.graceReplays.inc(),
      refreshDeadlineRollback: () => this.deadlineRollbacks.inc(),
      revocation: (outcome) => this.revocations.inc({ outcome }),
      singleSessionRevocations: (families) => this.singleSessionRevocations.inc(families),
      signingKeyRotation: () => this.signingKeyRotations.inc(),
      secretChecksBusy: () => this.secretChecksRefused.inc(),
    };
  }

  override record(route: string, method: string, status: number, seconds: number): void {
    super.record(route, method, status, seconds);
    if (status !== 200) return;
    if (route === PATHS.tokenIssue) {
      this.tokensIssued.inc({ grant: 'issue' });
    } else if (route === PATHS.refresh) {
      this.tokensIssued.inc({ grant: 'refresh_token' });
      this.refreshRotations.inc();
    }
  }
}
