/**
 * The JSON shapes of step results, with the seed's field names, plus a few extra fields
 * (`status`, `fix`, and wire detail for session steps) that older UIs simply ignore.
 */
import type { Session, WireExchange } from '@idsvc/client';
import type { Explanation } from './explain.js';

/** One of the six steps. */
export type StepNumber = 1 | 2 | 3 | 4 | 5 | 6;

/**
 * What can run: a step, or `verify`, the check after step 6 that the revoked family is
 * dead. The check is not a seventh step; everywhere (routes, JSON, UI, CLI) it is `verify`.
 */
export type StepId = StepNumber | 'verify';

/** A token step (2, 3, 5, 6) or verify (the check that the family is dead). */
export interface StepResult {
  kind: 'exchange';
  step: StepId;
  name: string;
  requestHeaders: Record<string, string>;
  requestBodyPlaintext: string | null;
  requestBodyEncrypted: string | null;
  responseHeaders: Record<string, string>;
  responseBodyEncrypted: string | null;
  responseBodyDecrypted: string | null;
  durationMs: number;
  success: boolean;
  error: string | null;
  /** HTTP status of the sidecar's answer (0: none). */
  status: number;
  /** The failure's code (`invalid_client`, `network_error`, …). */
  errorCode: string | null;
  /** How to fix a failure. */
  fix: string | null;
}

/** A session step (1, 4). */
export interface SessionStepResult {
  kind: 'session';
  step: StepId;
  name: string;
  success: boolean;
  durationMs: number;
  sessionId: string | null;
  kid: string | null;
  authenticated: boolean;
  expiresInSec: number | null;
  /** The sidecar handshake key that signed the init, when SIDECAR_KEYS_URL is set; null when not checked. */
  handshakeKid: string | null;
  error: string | null;
  status: number;
  errorCode: string | null;
  fix: string | null;
  requestHeaders: Record<string, string>;
  requestBodyPlaintext: string | null;
  responseHeaders: Record<string, string>;
  responseBodyDecrypted: string | null;
}

/** Either result. */
export type AnyStepResult = StepResult | SessionStepResult;

/** A token step result from its exchange (or from what was sent before it failed). */
export function exchangeResult(
  step: StepId,
  name: string,
  wire: WireExchange | undefined,
  outcome: { success: true } | { success: false; explanation: Explanation },
): StepResult {
  return {
    kind: 'exchange',
    step,
    name,
    requestHeaders: wire?.requestHeaders ?? {},
    requestBodyPlaintext: wire?.requestBodyPlaintext ?? null,
    requestBodyEncrypted: wire?.requestBodyEncrypted ?? null,
    responseHeaders: wire?.responseHeaders ?? {},
    responseBodyEncrypted: wire?.responseBodyEncrypted ?? null,
    responseBodyDecrypted: wire?.responseBodyPlaintext ?? null,
    durationMs: wire?.durationMs ?? 0,
    success: outcome.success,
    error: outcome.success ? null : outcome.explanation.error,
    status: wire?.status ?? 0,
    errorCode: outcome.success ? null : (outcome.explanation.code ?? null),
    fix: outcome.success ? null : (outcome.explanation.fix ?? null),
  };
}

/** A session step result from the new session, or from the failure. */
export function sessionResult(
  step: StepId,
  name: string,
  wire: WireExchange | undefined,
  outcome: { session: Session } | { explanation: Explanation },
): SessionStepResult {
  const session = 'session' in outcome ? outcome.session : undefined;
  const explanation = 'explanation' in outcome ? outcome.explanation : undefined;
  return {
    kind: 'session',
    step,
    name,
    success: session !== undefined,
    durationMs: wire?.durationMs ?? 0,
    sessionId: session?.sessionId ?? null,
    kid: session?.kid ?? null,
    authenticated: session?.authenticated ?? false,
    expiresInSec: session?.expiresInSec ?? null,
    handshakeKid: session?.handshakeKid ?? null,
    error: explanation?.error ?? null,
    status: wire?.status ?? 0,
    errorCode: explanation?.code ?? null,
    fix: explanation?.fix ?? null,
    requestHeaders: wire?.requestHeaders ?? {},
    requestBodyPlaintext: wire?.requestBodyPlaintext ?? null,
    responseHeaders: wire?.responseHeaders ?? {},
    responseBodyDecrypted: wire?.responseBodyPlaintext ?? null,
  };
}
