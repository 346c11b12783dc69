/**
 * The product's CLI (`idsvc identity`, `idsvc sidecar`, ...) as real child processes, run
 * from the TypeScript sources through tsx, the way an operator runs the built command. Each
 * child gets its own working directory (no `.env` there) and exactly the environment given.
 * Every child started here is killed when the test process exits, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
/** Maps `@idsvc/protocol` to its sources, so children run the code of the working tree. */
const TSX_TSCONFIG = fileURLToPath(new URL('./tsx.tsconfig.json', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starting a child takes a few seconds on a busy two-core machine. */
export const START_TIMEOUT_MS = 60_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How a child ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running CLI child. */
export interface CliProcess {
  readonly name: string;
  readonly pid: number;
  /** What the ready pattern's first group captured, e.g. the URL it listens on. */
  readonly url: string;
  /** Everything it printed on stdout so far (pino JSON lines and the CLI's own lines). */
  stdout(): string;
  stderr(): string;
  /** Its stdout lines that are JSON log records. */
  logs(): Record<string, unknown>[];
  /** Resolves when it has ended. */
  readonly exited: Promise<Exit>;
  /** `true` until it has ended. */
  alive(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it ended. */
  stop(graceMs?: number): Promise<Exit>;
}

/** Options of {@link startCli}. */
export interface StartCliOptions {
  name: string;
  /** Matched against stdout; the first group becomes `url`. */
  ready: RegExp;
  /** Working directory; default a fresh temporary folder, removed when the child ends. */
  cwd?: string;
}

/** Start `idsvc <args>` with exactly `env` (plus PATH and HOME) and wait for `ready`. */
export function startCli(args: string[], env: Record<string, string>, options: StartCliOptions): Promise<CliProcess> {
  const ownDir = options.cwd === undefined ? mkdtempSync(join(tmpdir(), 'idsvc-ops-cwd-')) : undefined;
  const cwd = options.cwd ?? (ownDir as string);
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TSX_TSCONFIG_PATH: TSX_TSCONFIG, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));

  const proc: Omit<CliProcess, 'url'> = {
    name: options.name,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    logs: () => parseLogs(out),
    exited,
    alive: () => !ended,
    signal: (signal) => {
      if (!ended) child.kill(signal);
    },
    stop: async (graceMs = 10_000) => {
      if (!ended) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };

  return new Promise<CliProcess>((resolve, reject) => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const poll = setInterval(() => {
      const match = options.ready.exec(out);
      if (match?.[1] !== undefined) {
        clearInterval(poll);
        resolve({ ...proc, url: match[1] });
      } else if (ended || Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`${options.name} did not start: ${err.trim() || out.trim() || '(no output)'}`));
      }
    }, 20);
  });
}

/** `idsvc identity`, ready when it prints where it listens. */
export function startIdentity(env: Record<string, string>, name = 'identity'): Promise<CliProcess> {
  return startCli(['identity'], env, { name, ready: /identity API listening on (\S+)/ });
}

/** `idsvc sidecar --identity-url <url>`, ready when it prints where it listens. */
export function startSidecar(identityUrl: string, env: Record<string, string>, name = 'sidecar'): Promise<CliProcess> {
  return startCli(['sidecar', '--identity-url', identityUrl], env, { name, ready: /sidecar listening on (\S+?),/ });
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Poll `probe` every 100 ms until it returns true, for at most `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function parseLogs(text: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut in the middle of being written.
    }
  }
  return records;
}
