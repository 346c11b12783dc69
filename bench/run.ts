/**
 * `npm run bench`: the stack against the limit of its crypto and against node-oidc-provider.
 *
 *   npm run bench                 full run (about 20 minutes); rewrites BENCHMARKS.md's figures and chart
 *   npm run bench -- --quick      short run (about 3 minutes), noisier figures
 *   npm run bench -- --check      exit 1 and name every target the run missed
 *   npm run bench -- --only session-init,introspect    some scenarios only (and `protocol`)
 *   npm run bench -- --targets ceiling,embedded        some targets only (ceiling, embedded, scaled, peer)
 *   npm run bench -- --cpu-prof   CPU profiles of the server processes in bench/results/profiles/
 *   npm run bench -- --alloc-prof sampled allocation profiles of the servers (freed objects included), same place
 *   npm run bench -- --connections 16                  another concurrency (targets need 50)
 *   npm run bench -- --suite identity   one component suite of bench/suites/ alone (identity, sidecar, protocol)
 *
 * Layout: this process is the load generator (autocannon); every server under load is a
 * child process started from the sources through tsx: `idsvc serve` (embedded), `idsvc
 * identity` + `idsvc sidecar` (scaled, PostgreSQL + Redis), the ceiling routes, and
 * node-oidc-provider. Only one of them is under load at a time. The report goes to stdout,
 * progress to stderr; results to bench/results/latest.json, latest.md and latest.svg (the
 * chart), and, after a full run of everything, into BENCHMARKS.md between its markers and
 * docs/benchmarks.svg. After its rounds at full speed, each target of each scenario runs
 * once more open loop at half the rate it reached (the latency users see at a steady load).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, machine } from './lib/machine.js';
import { REPO_ROOT } from './lib/processes.js';
import { stderrProgress } from './lib/progress.js';
import { svgChart } from './lib/chart.js';
import { markdownReport, markdownTable, replaceGenerated, textReport } from './lib/report.js';
import type { RunResults, RunSettings, ScenarioResult } from './lib/results.js';
import { runScenario } from './lib/runner.js';
import { scaledUnavailable, startCeiling, startEmbedded, startPeer, startScaled, type StartOptions } from './lib/shapes.js';
import { checkReport, evaluateTargets, TARGET_CONNECTIONS } from './lib/targets.js';
import { introspect } from './scenarios/introspect.js';
import { issue } from './scenarios/issue.js';
import { journey } from './scenarios/journey.js';
import { plainIntrospect, plainIssue } from './scenarios/plaintext.js';
import { refresh } from './scenarios/refresh.js';
import { sessionInit } from './scenarios/session-init.js';
import type { Environment, Scenario, TargetKind } from './scenarios/types.js';
import type { BenchOptions, BenchSuite } from './lib/types.js';
import { protocolRows, run as runProtocolSuite, type ProtocolResults } from './suites/protocol.js';

const SCENARIOS: readonly Scenario[] = [sessionInit, introspect, issue, refresh, journey, plainIntrospect, plainIssue];
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');
/** The chart of the last full run, committed and shown in BENCHMARKS.md (a path from the repository root). */
const BENCHMARKS_SVG = 'docs/benchmarks.svg';

const SUITES_DIR = fileURLToPath(new URL('./suites/', import.meta.url));

/** Options of the tinybench-style suites of bench/suites/. */
function suiteOptions(quick: boolean): BenchOptions {
  return quick ? { quick, timeMs: 300, rounds: 1, warmupMs: 50 } : { quick, timeMs: 3000, rounds: 3, warmupMs: 100 };
}

/**
 * Run one component suite of bench/suites/ (a module exporting `name` and `run(opts)`, see
 * bench/lib/types.ts) on its own, and save its results to bench/results/<name>.json.
 */
async function runSuite(suiteName: string, quick: boolean): Promise<void> {
  const known = (await readdir(SUITES_DIR)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  if (!known.includes(suiteName)) throw new Error(`unknown --suite ${suiteName}; known: ${known.join(', ')}`);
  const suite = (await import(pathToFileURL(join(SUITES_DIR, `${suiteName}.ts`)).href)) as BenchSuite;
  const host = machine();
  console.log(describeMachine(host));
  const opts = suiteOptions(quick);
  const results = await suite.run(opts);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, `${suite.name}.json`), `${JSON.stringify({ suite: suite.name, date: new Date().toISOString(), machine: host, options: opts, results }, null, 2)}\n`);
  console.log(`\nwritten: bench/results/${suite.name}.json`);
}

function settingsFor(quick: boolean, connections: number): RunSettings {
  return quick
    ? { mode: 'quick', connections, durationSec: 2, rounds: 1, warmupSec: 1, halfLoadSec: 3, logLevel: 'warn' }
    : { mode: 'full', connections, durationSec: 6, rounds: 5, warmupSec: 3, halfLoadSec: 10, logLevel: 'warn' };
}

function peerVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('oidc-provider/package.json') as { version: string }).version;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      targets: { type: 'string', multiple: true },
      'cpu-prof': { type: 'boolean', default: false },
      'alloc-prof': { type: 'boolean', default: false },
      connections: { type: 'string' },
      suite: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  if (values.suite !== undefined) {
    await runSuite(values.suite, quick);
    return 0;
  }
  const connections = values.connections !== undefined ? Number(values.connections) : TARGET_CONNECTIONS;
  if (!Number.isInteger(connections) || connections < 1) throw new Error('--connections must be a positive integer');
  const only = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const known = ['protocol', ...SCENARIOS.map((s) => s.id)];
  const unknown = only.filter((id) => !known.includes(id));
  if (unknown.length > 0) throw new Error(`unknown --only value(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const selected = (id: string): boolean => only.length === 0 || only.includes(id);
  const targets = (values.targets ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const allTargets: TargetKind[] = ['ceiling', 'embedded', 'scaled', 'peer'];
  const badTargets = targets.filter((t) => !allTargets.includes(t as TargetKind));
  if (badTargets.length > 0) throw new Error(`unknown --targets value(s): ${badTargets.join(', ')}; known: ${allTargets.join(', ')}`);
  const scenarios = SCENARIOS.filter((s) => selected(s.id)).map((s) => ({ ...s, targets: s.targets.filter((t) => targets.length === 0 || targets.includes(t)) }));
  const settings = settingsFor(quick, connections);
  const progress = stderrProgress();
  const host = machine();
  const results: RunResults = { date: new Date().toISOString(), machine: host, settings, shapes: {}, scenarios: [] };

  process.stderr.write(`${describeMachine(host)}\n`);
  let protocol: ProtocolResults | undefined;
  if (selected('protocol')) {
    progress.step('protocol micro-benchmark (tinybench, this process)');
    protocol = await runProtocolSuite(suiteOptions(quick));
    results.protocol = protocol;
  }

  const startOptions: StartOptions = {};
  if (values['cpu-prof'] === true) {
    startOptions.cpuProfileDir = join(RESULTS_DIR, 'profiles', results.date.replace(/[:.]/g, '-'));
    await mkdir(startOptions.cpuProfileDir, { recursive: true });
  }
  if (values['alloc-prof'] === true) {
    startOptions.allocProfileDir = join(RESULTS_DIR, 'profiles', `${results.date.replace(/[:.]/g, '-')}-alloc`);
    await mkdir(startOptions.allocProfileDir, { recursive: true });
  }
  const env: Environment = { connections };
  const notRunning: Partial<Record<TargetKind, string>> = {};
  const stops: (() => Promise<void>)[] = [];
  const wanted = new Set(scenarios.flatMap((s) => s.targets));
  try {
    if (wanted.has('ceiling')) {
      progress.step('starting the ceiling routes');
      const key = randomBytes(32);
      const ceiling = await startCeiling(key, startOptions);
      stops.push(ceiling.stop);
      env.ceiling = { ...ceiling, key };
      results.shapes.ceiling = 'one process: bare Fastify routes running only the scenario\'s crypto with the protocol package\'s node functions, no storage, no logging';
    }
    if (wanted.has('peer')) {
      progress.step('starting node-oidc-provider');
      const client = { id: 'bench-client', secret: randomBytes(32).toString('base64url') };
      const peer = await startPeer(client, startOptions);
      stops.push(peer.stop);
      env.peer = { ...peer, client };
      results.shapes.peer = `one process: node-oidc-provider ${peerVersion()}, in-memory adapter, client_secret_basic, client credentials with resource indicators (ES256 JWT resource; opaque resource for introspection)`;
    }
    if (wanted.has('embedded')) {
      progress.step('starting the embedded stack (idsvc serve)');
      const embedded = await startEmbedded(startOptions);
      stops.push(embedded.stop);
      env.embedded = embedded;
      results.shapes.embedded = embedded.description;
    }
    if (wanted.has('scaled')) {
      const why = await scaledUnavailable();
      if (why !== undefined) {
        notRunning.scaled = why;
        progress.note(`scaled shape not run: ${why}`);
      } else {
        progress.step('starting the scaled stack (idsvc identity + idsvc sidecar, PostgreSQL, Redis)');
        const scaled = await startScaled(startOptions);
        stops.push(scaled.stop);
        env.scaled = scaled;
        results.shapes.scaled = scaled.description;
      }
    }

    for (const scenario of scenarios) {
      const done: ScenarioResult = await runScenario(scenario, env, settings, progress, notRunning);
      results.scenarios.push(done);
    }
  } finally {
    progress.step('stopping the servers');
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => progress.note(`warning: stopping a server: ${String(err)}`));
    progress.done();
  }

  const outcomes = evaluateTargets(results);
  process.stdout.write(`\n${textReport(results, outcomes)}\n`);
  const protocolTable = protocol !== undefined ? markdownTable(protocolRows(protocol)) : undefined;
  const chart = svgChart(results, outcomes);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ ...results, targets: outcomes }, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, 'latest.md'), `${markdownReport(results, outcomes, protocolTable, 'latest.svg')}\n`);
  await writeFile(join(RESULTS_DIR, 'latest.svg'), chart);
  const complete = !quick && only.length === 0 && targets.length === 0 && connections === TARGET_CONNECTIONS && env.scaled !== undefined;
  if (complete) {
    const current = await readFile(BENCHMARKS_MD, 'utf8').catch(() => '# Benchmarks\n');
    // The chart is shown in the hand-written part of BENCHMARKS.md, above the figures.
    await writeFile(BENCHMARKS_MD, replaceGenerated(current, markdownReport(results, outcomes, protocolTable)));
    await writeFile(join(REPO_ROOT, BENCHMARKS_SVG), chart);
    process.stdout.write(`\nwritten: bench/results/latest.json, latest.md, latest.svg, BENCHMARKS.md, ${BENCHMARKS_SVG}\n`);
  } else {
    process.stdout.write(`\nwritten: bench/results/latest.json, latest.md, latest.svg (BENCHMARKS.md and ${BENCHMARKS_SVG} are rewritten by full runs of everything only)\n`);
  }
  if (startOptions.cpuProfileDir !== undefined) process.stdout.write(`CPU profiles: ${startOptions.cpuProfileDir}\n`);
  if (startOptions.allocProfileDir !== undefined) process.stdout.write(`allocation profiles: ${startOptions.allocProfileDir}\n`);

  if (values.check === true) {
    const { pass, lines } = checkReport(outcomes);
    process.stdout.write(`\n--check\n${lines.join('\n')}\n`);
    return pass ? 0 : 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
