/**
 * Child processes of a benchmark run: every server under load runs in a process of its
 * own, started from TypeScript sources through tsx, so the load generator (this process)
 * never shares an event loop with the server it measures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, computed from this file's place in it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The tsx loader, by absolute URL: children may run in another working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

/**
 * tsx configuration of the children: maps the workspace packages to their TypeScript sources,
 * so the servers run the code of the working tree, not a possibly stale `dist/`.
 */
const TSX_TSCONFIG = fileURLToPath(new URL('../tsx.tsconfig.json', import.meta.url));

/** Preloaded into every long-running server: counts its heap allocation (see the file). */
const ALLOC_PROBE = new URL('../servers/alloc-probe.ts', import.meta.url).href;

/** How to start one child. */
export interface ChildSpec {
  /** Shown in progress and error messages. */
  name: string;
  /** TypeScript entry point, absolute path. */
  script: string;
  args?: string[];
  /** The child's whole environment (nothing is inherited but PATH and HOME). */
  env?: Record<string, string>;
  /** Working directory; a folder without a `.env`, so the CLI reads only `env`. */
  cwd: string;
  /** Resolves with what the child printed once it printed everything `ready` waits for. */
  ready: (stdout: string) => Record<string, string> | undefined;
  /** Write a V8 CPU profile of the child into this folder when it exits (`--cpu-prof`). */
  cpuProfileDir?: string;
  /** Write a sampled allocation profile of the child into this folder when it exits (`--alloc-prof`). */
  allocProfileDir?: string;
  /** Milliseconds to wait for `ready` (default 60 s). */
  timeoutMs?: number;
}

/** A started child. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** What `ready` extracted from the child's output (e.g. URLs). */
  info: Record<string, string>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
  /** Bytes the child allocated on its V8 heap so far, or `undefined` if it does not answer. */
  allocatedBytes(): Promise<number | undefined>;
}

/** Run one child to completion and return its stdout; rejects on a non-zero exit. */
export function runToEnd(spec: Omit<ChildSpec, 'ready' | 'cpuProfileDir' | 'allocProfileDir'>, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(spec.script, spec.args ?? []), {
      cwd: spec.cwd,
      env: childEnv(spec.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${spec.name} exited with ${code}: ${err.trim() || out.trim()}`));
    });
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Diagnostics of the servers, from the environment of `npm run bench`:
 * `BENCH_SERVER_NODE_ARGS` adds node flags to their command line (e.g. `--trace-gc`), and
 * with `BENCH_SERVER_LOGS=<dir>` each server's stdout and stderr go to `<dir>/<name>.log`.
 */
const DIAGNOSTICS = {
  nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  logDir: process.env.BENCH_SERVER_LOGS,
};

/** Start a long-running child and wait until its output says it is ready. */
export function startChild(spec: ChildSpec): Promise<Child> {
  const args = [...DIAGNOSTICS.nodeArgs, ...nodeArgs(spec.script, spec.args ?? [], spec.cpuProfileDir, ALLOC_PROBE)];
  // The IPC channel carries only the allocation probe's questions and answers.
  const env = childEnv({ ...spec.env, ...(spec.allocProfileDir !== undefined ? { BENCH_ALLOC_PROFILE_DIR: spec.allocProfileDir } : {}) });
  if (spec.allocProfileDir !== undefined) mkdirSync(spec.allocProfileDir, { recursive: true });
  const child = spawn(process.execPath, args, { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  if (DIAGNOSTICS.logDir !== undefined) {
    mkdirSync(DIAGNOSTICS.logDir, { recursive: true });
    const log = createWriteStream(join(DIAGNOSTICS.logDir, `${spec.name.replace(/[^\w.-]+/g, '-')}.log`), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  return new Promise<Child>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${spec.name} was not ready after ${spec.timeoutMs ?? 60_000} ms: ${err.trim() || out.trim()}`));
    }, spec.timeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (out.length > 64 * 1024) return;
      out += chunk.toString();
      const info = spec.ready(out);
      if (info !== undefined) {
        clearTimeout(timer);
        resolve({ name: spec.name, process: child, info, stop, allocatedBytes: () => askAllocated(child) });
      }
    });
    // Kept for the error message; a healthy server at LOG_LEVEL=warn writes little here.
    child.stderr!.on('data', (chunk: Buffer) => {
      if (err.length < 16 * 1024) err += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited (${signal ?? code}) before it was ready: ${err.trim() || out.trim()}`));
    });
  });
}

function nodeArgs(script: string, args: string[], cpuProfileDir?: string, preload?: string): string[] {
  const profile = cpuProfileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  return [...profile, '--import', TSX_LOADER, ...(preload !== undefined ? ['--import', preload] : []), script, ...args];
}

let question = 0;

/** Ask a child's allocation probe for its total; `undefined` after a second without an answer. */
function askAllocated(child: ChildProcess): Promise<number | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  const id = ++question;
  return new Promise((resolve) => {
    const done = (bytes: number | undefined): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(bytes);
    };
    const onMessage = (message: unknown): void => {
      const answer = message as { type?: unknown; id?: unknown; bytes?: unknown };
      if (answer.type === 'bench-alloc' && answer.id === id && typeof answer.bytes === 'number') done(answer.bytes);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    child.on('message', onMessage);
    child.send({ type: 'bench-alloc', id }, (err) => {
      if (err !== null) done(undefined);
    });
  });
}

function childEnv(env: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { TSX_TSCONFIG_PATH: TSX_TSCONFIG, NODE_ENV: 'production' };
  if (process.env.PATH !== undefined) base.PATH = process.env.PATH;
  if (process.env.HOME !== undefined) base.HOME = process.env.HOME;
  return { ...base, ...env };
}
