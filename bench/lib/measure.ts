import { Bench } from 'tinybench';
import type { BenchOptions, Figure } from './types.js';

/** A task to measure: sync or async, called repeatedly. */
export type TaskFn = () => unknown;

/** One tinybench pass over the tasks, in order. */
async function pass(tasks: Record<string, TaskFn>, opts: BenchOptions): Promise<Figure[]> {
  const bench = new Bench({ time: opts.timeMs / opts.rounds, warmupTime: opts.warmupMs, throws: true });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (!('latency' in result)) throw new Error(`benchmark ${task.name} produced no statistics (${result.state})`);
    return {
      name: task.name,
      opsPerSec: 1000 / result.period,
      meanMs: result.period,
      p99Ms: result.latency.p99,
      rmePct: result.latency.rme,
      samples: result.latency.samplesCount,
    };
  });
}

/**
 * Measure tasks and return one figure each, in order. The tasks run one after the other,
 * `opts.rounds` times over, and each keeps its median round: tasks compared with each
 * other then share the same stretches of machine load, so their ratio stays fair on a
 * busy machine. Throws when a task throws: a failing operation gives no figure.
 */
export async function measure(tasks: Record<string, TaskFn>, opts: BenchOptions): Promise<Figure[]> {
  const rounds: Figure[][] = [];
  for (let i = 0; i < opts.rounds; i++) rounds.push(await pass(tasks, opts));
  return Object.keys(tasks).map((_name, t) => {
    const figures = rounds.map((r) => r[t]!).sort((a, b) => a.opsPerSec - b.opsPerSec);
    const median = figures[Math.floor(figures.length / 2)]!;
    return { ...median, samples: figures.reduce((n, f) => n + f.samples, 0) };
  });
}

/** A number of operations per second, readable: 12 345. */
export function formatOps(opsPerSec: number): string {
  return Math.round(opsPerSec).toLocaleString('en-US').replace(/,/g, ' ');
}

/** Print rows as a fixed-width table under a title. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
