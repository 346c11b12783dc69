/**
 * The terminal journey (`--cli`): the six steps in order, one line each with its detail,
 * coloured when the terminal wants it, or one JSON document with `--json`.
 * The exit status is 0 only when every step succeeded.
 */
import { palette, type Palette } from './ansi.js';
import type { JourneyConfig } from './config.js';
import { Journey, PreconditionError, stepName, type StepNumber } from './journey.js';
import type { AnyStepResult } from './results.js';

/** The steps the CLI runs (the family check is the web UI's extra card). */
const CLI_STEPS: readonly StepNumber[] = [1, 2, 3, 4, 5, 6];

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

/** A step that could not run because an earlier one failed. */
interface SkippedStep {
  step: number;
  name: string;
  success: false;
  skipped: true;
  error: string;
}

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
  const results: (AnyStepResult | SkippedStep)[] = [];
  const total = CLI_STEPS.length;

  if (!options.json) write(header(config, options.sidecarUrl, p));
  try {
    for (const step of CLI_STEPS) {
      let result: AnyStepResult | SkippedStep;
      try {
        result = await journey.run(step);
      } catch (err) {
        if (!(err instanceof PreconditionError)) throw err;
        result = { step, name: stepName(step, config.authMethod), success: false, skipped: true, error: err.message };
      }
      results.push(result);
      if (!options.json) write(describe(result, total, p));
    }
  } finally {
    journey.dispose();
  }

  const passed = results.filter((r) => r.success).length;
  if (options.json) {
    const document = {
      ok: passed === total,
      passed,
      total,
      clientId: config.clientId,
      authMethod: config.authMethod,
      sidecarUrl: options.sidecarUrl,
      steps: results,
    };
    write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const summary = `${passed} of ${total} steps passed`;
    write(`\n${passed === total ? p.green(p.bold(summary)) : p.red(p.bold(summary))}\n`);
  }
  return passed === total ? 0 : 1;
}

function header(config: JourneyConfig, sidecarUrl: string, p: Palette): string {
  const method = config.authMethod === 'hmac' ? 'HMAC signature' : 'Basic auth';
  const title = `${p.bold(p.blue('Identity journey'))}  ${config.clientId} · ${method} · ${sidecarUrl}`;
  return `\n${title}\n${p.dim('─'.repeat(72))}\n`;
}

/** One step: the status line, then its detail indented. */
function describe(result: AnyStepResult | SkippedStep, total: number, p: Palette): string {
  const label = `[${result.step}/${total}] ${result.name}`.padEnd(52);
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
