/**
 * One journey: the six steps of docs/protocol.md section 9, then "verify" (the check that the
 * revoked family is dead), with the state that links them (session, issued tokens,
 * rotated tokens) and the last result of each. Steps run one at a time.
 */
import { IdentityClient, IdentityClientError, ServiceError, type TokenResponse, type WireExchange } from '@idsvc/client';
import type { JourneyConfig } from './config.js';
import { explain, type ExplainContext } from './explain.js';
import { exchangeResult, sessionResult, type AnyStepResult, type StepId, type StepNumber, type StepResult } from './results.js';

export type { StepId, StepNumber } from './results.js';


/** The six steps, in order. */
export const STEPS: readonly StepNumber[] = [1, 2, 3, 4, 5, 6];

/** The name of the check after the six steps, as the UI, the CLI and the JSON give it. */
export const VERIFY_NAME = 'Verify: the family is dead';

/** The names, as the UI, the CLI and the JSON give them. */
export function stepName(step: StepId, authMethod: 'basic' | 'hmac'): string {
  const names: Record<StepId, string> = {
    1: 'Session Init (Anonymous ECDH)',
    2: authMethod === 'hmac' ? 'Token Issue (HMAC Signature + GCM)' : 'Token Issue (Basic Auth + GCM)',
    3: 'Token Introspection (Bearer + GCM)',
    4: 'Session Refresh (Authenticated ECDH)',
    5: 'Token Refresh (Bearer + GCM)',
    6: 'Token Revocation (Bearer + GCM)',
    verify: VERIFY_NAME,
  };
  return names[step];
}

/**
 * Where a journey stands: the last result of every step run since the last reset (in
 * step order), and of `verify`. What the UI shows after a reload.
 */
export interface JourneyState {
  /** How many of the six steps last succeeded. */
  passed: number;
  /** Always 6. */
  total: number;
  steps: AnyStepResult[];
  verify: StepResult | null;
}

/** A step was asked for before the one it builds on. Answers 400 with the message. */
export class PreconditionError extends Error {
  constructor(
    readonly step: StepId,
    message: string,
  ) {
    super(message);
    this.name = 'PreconditionError';
  }
}

/** What a journey needs besides its configuration. */
export interface JourneyDeps {
  /** The sidecar to talk to (the configured one, or the local stack's). */
  sidecarUrl: string;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  /** Told about failures that are not the service's answer (bugs), for the log. */
  onUnexpected?: (err: unknown) => void;
}

/** The claims the demo asks to have copied into the access token. */
const CUSTOM_CLAIMS = { roles: 'admin', tenant: 'test-corp' };

/**
 * The state of one person's journey and the steps that move it on.
 *
 * @example
 * ```ts
 * const journey = new Journey(config, { sidecarUrl: 'http://127.0.0.1:8141' });
 * for (const step of STEPS) console.log((await journey.run(step)).success);
 * journey.dispose();
 * ```
 */
export class Journey {
  readonly #config: JourneyConfig;
  readonly #deps: JourneyDeps;
  readonly #client: IdentityClient;
  readonly #explainCtx: ExplainContext;
  /** Tokens of step 2. */
  #issued: TokenResponse | undefined;
  /** Tokens of step 5. */
  #rotated: TokenResponse | undefined;
  #revoked = false;
  /** The last result of each step and of verify, since the last reset. */
  readonly #results = new Map<StepId, AnyStepResult>();
  /** Steps of one journey never overlap (a double click, "run all" twice). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(config: JourneyConfig, deps: JourneyDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#explainCtx = { sidecarUrl: deps.sidecarUrl, authMethod: config.authMethod };
    this.#client = new IdentityClient({
      sidecarUrl: deps.sidecarUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authMethod: config.authMethod,
      timeoutMs: config.timeoutMs,
      ...(config.sidecarKeysUrl ? { serverKeys: config.sidecarKeysUrl } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
  }

  /** Run one step after any step still running. Throws {@link PreconditionError} when too early. */
  run(step: StepId): Promise<AnyStepResult> {
    const next = this.#queue.then(async () => {
      const result = await this.#run(step);
      this.#results.set(step, result);
      return result;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The last result of every step that ran since the last reset. */
  state(): JourneyState {
    const steps = STEPS.flatMap((step) => this.#results.get(step) ?? []);
    return {
      passed: steps.filter((result) => result.success).length,
      total: STEPS.length,
      steps,
      verify: (this.#results.get('verify') as StepResult | undefined) ?? null,
    };
  }

  /** Forget everything and zeroize the session key. */
  reset(): Promise<void> {
    const next = this.#queue.then(() => this.dispose());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Zeroize the session key and drop the tokens. */
  dispose(): void {
    this.#client.close();
    this.#issued = undefined;
    this.#rotated = undefined;
    this.#revoked = false;
    this.#results.clear();
  }

  async #run(step: StepId): Promise<AnyStepResult> {
    switch (step) {
      case 1:
        return this.#sessionInit();
      case 2:
        return this.#issue();
      case 3:
        return this.#introspect();
      case 4:
        return this.#sessionRefresh();
      case 5:
        return this.#refresh();
      case 6:
        return this.#revoke();
      case 'verify':
        return this.#verifyFamilyDead();
    }
  }

  #name(step: StepId): string {
    return stepName(step, this.#config.authMethod);
  }

  #explain(err: unknown) {
    const explanation = explain(err, this.#explainCtx);
    if (explanation.code === undefined) this.#deps.onUnexpected?.(err);
    return explanation;
  }

  #require<T>(value: T | undefined, step: StepId, message: string): T {
    if (value === undefined || value === false) throw new PreconditionError(step, message);
    return value;
  }

  async #sessionInit(): Promise<AnyStepResult> {
    try {
      const { session, wire } = await this.#client.initSession();
      return sessionResult(1, this.#name(1), wire, { session });
    } catch (err) {
      return sessionResult(1, this.#name(1), wireOf(err), { explanation: this.#explain(err) });
    }
  }

  async #issue(): Promise<AnyStepResult> {
    this.#require(this.#client.session, 2, 'Run step 1 first (session init)');
    return this.#exchange(2, async () => {
      const result = await this.#client.issue({
        audience: this.#config.audience,
        scope: this.#config.scope,
        subject: this.#config.subject,
        includeRefreshToken: true,
        singleSession: true,
        customClaims: CUSTOM_CLAIMS,
      });
      this.#issued = result.data;
      this.#rotated = undefined;
      this.#revoked = false;
      return result;
    });
  }

  async #introspect(): Promise<AnyStepResult> {
    const issued = this.#require(this.#issued, 3, 'Run step 2 first (token issue)');
    return this.#exchange(3, async () => {
      const result = await this.#client.introspect(issued.access_token, { tokenTypeHint: 'access_token' });
      if (!result.data.active) return { ...result, failure: 'The token is not active.' };
      return result;
    });
  }

  async #sessionRefresh(): Promise<AnyStepResult> {
    const issued = this.#require(this.#issued, 4, 'Run step 2 first (token issue)');
    try {
      const { session, wire } = await this.#client.openAuthenticatedSession({
        accessToken: issued.access_token,
        subject: this.#config.subject,
      });
      return sessionResult(4, this.#name(4), wire, { session });
    } catch (err) {
      return sessionResult(4, this.#name(4), wireOf(err), { explanation: this.#explain(err) });
    }
  }

  async #refresh(): Promise<AnyStepResult> {
    const issued = this.#require(this.#issued, 5, 'Run step 2 first (token issue)');
    const refreshToken = this.#require(issued.refresh_token, 5, 'Run step 2 first (token issue)');
    return this.#exchange(5, async () => {
      const result = await this.#client.refresh({ refreshToken, accessToken: issued.access_token });
      this.#rotated = result.data;
      this.#revoked = false;
      return result;
    });
  }

  async #revoke(): Promise<AnyStepResult> {
    const rotated = this.#require(this.#rotated, 6, 'Run step 5 first (token refresh)');
    const refreshToken = this.#require(rotated.refresh_token, 6, 'Run step 5 first (token refresh)');
    return this.#exchange(6, async () => {
      const result = await this.#client.revoke({
        token: refreshToken,
        tokenTypeHint: 'refresh_token',
        accessToken: rotated.access_token,
      });
      this.#revoked = true;
      return result;
    });
  }

  /**
   * Verify, after step 6 (docs/protocol.md section 9): the step-5 access token, used as a
   * bearer, must be refused with 401 invalid_token. That refusal is the check's success.
   */
  async #verifyFamilyDead(): Promise<StepResult> {
    this.#require(this.#revoked, 'verify', 'Run step 6 first (token revocation)');
    const rotated = this.#rotated as TokenResponse;
    try {
      // The token is its own bearer here, on purpose: the check is that it no longer authenticates.
      const result = await this.#client.introspect(rotated.access_token, { bearer: rotated.access_token, tokenTypeHint: 'access_token' });
      return exchangeResult('verify', this.#name('verify'), result.wire, {
        success: false,
        explanation: {
          error: `Expected 401 invalid_token, but the step-5 access token was accepted (HTTP ${result.status}).`,
          fix: 'The revocation did not reach the whole family: check the identity API.',
        },
      });
    } catch (err) {
      if (err instanceof ServiceError && err.status === 401 && err.code === 'invalid_token') {
        return exchangeResult('verify', this.#name('verify'), err.wire, { success: true });
      }
      return exchangeResult('verify', this.#name('verify'), wireOf(err), { success: false, explanation: this.#explain(err) });
    }
  }

  /** Run a token call and shape its result; a `failure` text marks a 2xx answer as a failed step. */
  async #exchange(
    step: StepId,
    call: () => Promise<{ wire: WireExchange; failure?: string }>,
  ): Promise<StepResult> {
    try {
      const { wire, failure } = await call();
      if (failure) {
        const explanation = { error: failure, fix: 'Run step 2 again for fresh tokens.' };
        return exchangeResult(step, this.#name(step), wire, { success: false, explanation });
      }
      return exchangeResult(step, this.#name(step), wire, { success: true });
    } catch (err) {
      return exchangeResult(step, this.#name(step), wireOf(err), { success: false, explanation: this.#explain(err) });
    }
  }
}

/** The wire detail a typed SDK error carries, if any. */
function wireOf(err: unknown): WireExchange | undefined {
  return err instanceof IdentityClientError ? err.wire : undefined;
}
