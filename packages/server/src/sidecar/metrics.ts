/**
 * The sidecar's own metrics, on top of the HTTP ones: sessions opened by type, replays and
 * undecryptable payloads refused, and answers the identity API could not give.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { ENCRYPTED_PATHS, PATHS } from '@idsvc/protocol';
import type { SessionType } from '../stores/session-store.js';
import { ServiceMetrics, errorCode } from '../ops/metrics.js';

const FORWARDED: ReadonlySet<string> = new Set(ENCRYPTED_PATHS);

/** How a forwarded request's exchange with the identity API ended, when it ended badly. */
export type UpstreamOutcome = 'outage' | 'error_answer';
const upstreamOutcomes = new WeakMap<FastifyRequest, UpstreamOutcome>();

/**
 * Note that the identity API could not be reached or answered something not ours
 * (`outage`, counted as an upstream failure) or answered with one of its own 5xx errors
 * (`error_answer`, passed on sealed and counted apart).
 */
export function noteUpstreamOutcome(request: FastifyRequest, outcome: UpstreamOutcome): void {
  upstreamOutcomes.set(request, outcome);
}

/**
 * @example
 * ```ts
 * const metrics = new SidecarMetrics();
 * registerOps(app, { metrics, checks });
 * ```
 */
export class SidecarMetrics extends ServiceMetrics {
  readonly sessionsCreated: Counter<'type'>;
  readonly replaysRejected: Counter;
  readonly decryptionFailures: Counter;
  readonly upstreamFailures: Counter;
  readonly upstreamErrorAnswers: Counter<'status'>;

  constructor() {
    super('sidecar');
    this.sessionsCreated = this.counter('idsvc_sessions_created_total', 'Sessions opened by session init, by type.', ['type']);
    this.replaysRejected = this.counter('idsvc_replays_rejected_total', 'Requests refused with 409 replay_detected (nonce already used).');
    this.decryptionFailures = this.counter(
      'idsvc_decryption_failures_total',
      'Requests refused with 400 decryption_failed (payload did not authenticate).',
    );
    this.upstreamFailures = this.counter(
      'idsvc_upstream_failures_total',
      'Encrypted requests answered 502 because the identity API could not be reached, timed out or answered something not its own.',
    );
    this.upstreamErrorAnswers = this.counter(
      'idsvc_upstream_error_answers_total',
      "Encrypted requests the identity API itself answered with a 5xx error (e.g. 503 temporarily_unavailable), passed on sealed, by status.",
      ['status'],
    );
    // Every series exists from the start, at 0, so a rate over it is defined.
    for (const type of ['anonymous', 'authenticated'] satisfies SessionType[]) this.sessionsCreated.inc({ type }, 0);
  }

  override onResponse(request: FastifyRequest, reply: FastifyReply, route: string): void {
    super.onResponse(request, reply, route);
    if (route === PATHS.sessionInit && reply.statusCode === 200) {
      // Session init answers 200 with an Authorization header only once the identity API
      // vouched for the bearer: the session is then authenticated.
      const type: SessionType = request.headers.authorization !== undefined ? 'authenticated' : 'anonymous';
      this.sessionsCreated.inc({ type });
    } else if (FORWARDED.has(route)) {
      const outcome = upstreamOutcomes.get(request);
      if (outcome === 'outage') this.upstreamFailures.inc();
      else if (outcome === 'error_answer') this.upstreamErrorAnswers.inc({ status: String(reply.statusCode) });
    }
  }

  override onError(_request: FastifyRequest, error: unknown): void {
    const code = errorCode(error);
    if (code === 'replay_detected') this.replaysRejected.inc();
    else if (code === 'decryption_failed') this.decryptionFailures.inc();
  }
}
