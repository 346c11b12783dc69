/**
 * The terminal journey (`--cli`): the six steps in order, then verify (the check that the
 * revoked family is dead), one line each with its detail, coloured when the terminal
 * wants it, or one JSON document with `--json`.
 * The exit status is 0 only when every step and verify succeeded.
 */
import { palette, type Palette } from './ansi.js';
import type { JourneyConfig } from './config.js';
import { Journey, PreconditionError, STEPS, stepName, type StepId } from './journey.js';
import type { AnyStepResult } from './results.js';

export interface CliOptions {
  sidecarUrl: string;
  /** Print one JSON document instead of text. */
  json: boolean;
  /** Colour the text output. */
  color: boolean;
  /** Where output goes (default: stdout). */
  write?: (text: string) => void;
  fetch?: typeof globalThis.fetch;
}

/** A step (or verify) that could not run because an earlier step failed. */
interface SkippedStep {
  step: StepId;
  name: string;
  success: false;
  skipped: true;
  error: string;
}

type Outcome = AnyStepResult | SkippedStep;

/**
 * Run the journey and print it. Resolves to the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(config, { sidecarUrl, json: false, color: process.stdout.isTTY });
 * ```
 */
export async function runCli(config: JourneyConfig, options: CliOptions): Promise<number> {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const p = palette(options.color && !options.json);
  const journey = new Journey(config, {
    sidecarUrl: options.sidecarUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const total = STEPS.length;
  const attempt = async (step: StepId): Promise<Outcome> => {
    let result: Outcome;
    try {
      result = await journey.run(step);
    } catch (err) {
      if (!(err instanceof PreconditionError)) throw err;
      result = { step, name: stepName(step, config.authMethod), success: false, skipped: true, error: err.message };
    }
    if (!options.json) write(describe(result, total, p));
    return result;
  };

  const steps: Outcome[] = [];
  let verify: Outcome;
  if (!options.json) write(header(config, options.sidecarUrl, p));
  try {
    for (const step of STEPS) steps.push(await attempt(step));
    verify = await attempt('verify');
  } finally {
    journey.dispose();
  }

  const passed = steps.filter((r) => r.success).length;
  const ok = passed === total && verify.success;
  if (options.json) {
    const document = {
      ok,
      passed,
      total,
      clientId: config.clientId,
      authMethod: config.authMethod,
      sidecarUrl: options.sidecarUrl,
      steps,
      verify,
    };
    write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const verdict = verify.success ? 'passed' : 'skipped' in verify ? 'skipped' : 'failed';
    const summary = `${passed} of ${total} steps passed, verify ${verdict}`;
    write(`\n${ok ? p.green(p.bold(summary)) : p.red(p.bold(summary))}\n`);
  }
  return ok ? 0 : 1;
}

function header(config: JourneyConfig, sidecarUrl: string, p: Palette): string {
  const method = config.authMethod === 'hmac' ? 'HMAC signature' : 'Basic auth';
  const title = `${p.bold(p.blue('Identity journey'))}  ${config.clientId} · ${method} · ${sidecarUrl}`;
  return `\n${title}\n${p.dim('─'.repeat(72))}\n`;
}

/** One step (or verify): the status line, then its detail indented. */
function describe(result: Outcome, total: number, p: Palette): string {
  const label = (result.step === 'verify' ? result.name : `[${result.step}/${total}] ${result.name}`).padEnd(52);
  if ('skipped' in result) return `${p.dim(label)} ${p.yellow('SKIP')}  ${p.dim(result.error)}\n`;

  const verdict = result.success ? p.green(' OK ') : p.red('FAIL');
  const lines = [`${p.bold(label)} ${verdict}  ${p.dim(`${result.durationMs.toFixed(1)} ms`)}`];
  const detail = (name: string, value: string): void => {
    lines.push(`      ${p.cyan(name.padEnd(9))}${value}`);
  };

  if (result.kind === 'session') {
    if (result.success) {
      detail('session', `${result.sessionId ?? ''}`);
      const kind = result.authenticated ? 'authenticated' : 'anonymous';
      detail('kid', `${result.kid ?? ''}  ${p.dim(`(${kind}, expires in ${result.expiresInSec ?? 0} s)`)}`);
      if (result.handshakeKid) detail('sidecar', p.green(`sidecar authenticated (kid ${result.handshakeKid})`));
    }
  } else if (result.requestBodyPlaintext !== null) {
    detail('request', truncate(result.requestBodyPlaintext));
    if (result.requestBodyEncrypted) detail('sealed', p.dim(truncate(result.requestBodyEncrypted)));
    if (result.responseBodyEncrypted) detail('answer', p.dim(truncate(result.responseBodyEncrypted)));
    if (result.responseBodyDecrypted) detail('opened', truncate(result.responseBodyDecrypted));
  }
  if (!result.success) {
    detail('error', p.red(result.error ?? 'failed'));
    if (result.fix) detail('fix', p.yellow(result.fix));
  }
  return `${lines.join('\n')}\n`;
}

function truncate(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
