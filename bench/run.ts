/**
 * Benchmark runner: `npm run bench [-- --quick] [-- --only <suite>[,<suite>...]]`.
 *
 * Suites. Every `bench/<name>.ts` file next to this one (this file aside) is a suite and
 * is run in alphabetical order, one after the other, never in parallel (figures from
 * concurrent runs mean nothing). A suite module exports:
 *
 * ```ts
 * export const name = 'protocol'                        // the suite's name, used by --only
 * export async function run(opts: BenchOptions): Promise<unknown> { ... }
 * ```
 *
 * (types in `bench/lib/types.ts`). `run` prints its own readable summary and returns a
 * JSON-serialisable result; the runner writes it, with the machine, the options and the
 * date, to `bench/results/<name>.json` (ignored by git). Shared helpers live in
 * `bench/lib/` (`measure` wraps tinybench). A suite that needs a service (PostgreSQL,
 * Redis) says in its summary which one it measured and what it was configured with.
 *
 * Options: `--quick` shortens every measurement (smoke runs, noisier figures); `--only`
 * runs the named suites only. The machine (CPU model, cores, Node) is printed first.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, machine } from './lib/machine.js';
import type { BenchOptions, BenchSuite } from './lib/types.js';

const BENCH_DIR = new URL('./', import.meta.url);
const RESULTS_DIR = new URL('./results/', import.meta.url);

/** Load every suite module in bench/, sorted by file name. */
async function discoverSuites(): Promise<BenchSuite[]> {
  const files = (await readdir(BENCH_DIR)).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts')).sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(fileURLToPath(new URL(file, BENCH_DIR))).href)) as Partial<BenchSuite>;
    if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
      throw new Error(`bench/${file} is not a suite: it must export name (string) and run(opts)`);
    }
    suites.push({ name: mod.name, run: mod.run });
  }
  return suites;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
    strict: true,
  });
  const quick = values.quick ?? false;
  const opts: BenchOptions = quick ? { quick, timeMs: 300, rounds: 1, warmupMs: 50 } : { quick, timeMs: 3000, rounds: 5, warmupMs: 100 };
  const only = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

  const host = machine();
  console.log(describeMachine(host));
  console.log(`Settings ${quick ? 'quick' : 'full'}: ${opts.timeMs} ms per task in ${opts.rounds} round(s), ${opts.warmupMs} ms warm-up each`);

  const all = await discoverSuites();
  const unknown = only.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown suite(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  const selected = only.length > 0 ? all.filter((s) => only.includes(s.name)) : all;

  await mkdir(RESULTS_DIR, { recursive: true });
  for (const suite of selected) {
    console.log(`\n=== ${suite.name} ===`);
    const started = new Date();
    const results = await suite.run(opts);
    const file = new URL(`${suite.name}.json`, RESULTS_DIR);
    const record = { suite: suite.name, date: started.toISOString(), machine: host, options: opts, results };
    await writeFile(file, JSON.stringify(record, null, 2) + '\n');
    console.log(`\nwritten: bench/results/${suite.name}.json`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
