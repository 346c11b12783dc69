/**
 * `npx tsx bench/profile.ts <file.heapprofile> [--top 25] [--match text]`: what a sampled
 * allocation profile (from `npm run bench -- --alloc-prof`) allocated, in the same two
 * tables, in bytes (sampled: proportions, not exact totals).
 *
 * `npx tsx bench/profile.ts <file.cpuprofile> [--top 25] [--match text] [--from s]`: what a V8 CPU
 * profile (from `npm run bench -- --cpu-prof`) spent its time on, as two tables: self time
 * per function, and inclusive time (the function and everything it called) per function.
 * Idle time and the profiler's own are left out of the percentages. `--match` keeps the
 * functions whose name or file contains the text; `--from` leaves out the first seconds
 * (start-up).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { summarizeHeapProfile, summarizeProfile, type CpuProfile, type HeapProfile } from './lib/profile-summary.js';
import { textTable } from './lib/report.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' }, match: { type: 'string' }, from: { type: 'string', default: '0' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [--top 25] [--match text] [--from seconds]');
  const top = Number(values.top);
  const keep = (name: string): boolean => values.match === undefined || name.includes(values.match);
  if (file.endsWith('.heapprofile')) {
    const heap = summarizeHeapProfile(JSON.parse(await readFile(file, 'utf8')) as HeapProfile);
    const share = (bytes: number): string => `${((100 * bytes) / heap.totalBytes).toFixed(1)}%`;
    const rows = (list: { name: string; bytes: number }[]): string[][] => [['function', 'MB sampled', '% of all'], ...list.filter((f) => keep(f.name)).slice(0, top).map((f) => [f.name, (f.bytes / 1e6).toFixed(1), share(f.bytes)])];
    console.log(`${file}\n${(heap.totalBytes / 1e6).toFixed(1)} MB allocated (sampled, freed objects included)\n`);
    console.log(`self\n${textTable(rows(heap.self))}\n`);
    console.log(`inclusive\n${textTable(rows(heap.inclusive))}`);
    return;
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, Number(values.from) * 1000);
  const pct = (ms: number): string => `${((100 * ms) / summary.busyMs).toFixed(1)}%`;
  console.log(`${file}\nbusy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled (idle ${summary.idleMs.toFixed(0)} ms, garbage collection ${summary.gcMs.toFixed(0)} ms = ${pct(summary.gcMs)} of busy)\n`);
  const self = summary.self.filter((f) => keep(f.name)).slice(0, top);
  console.log(`self time\n${textTable([['function', 'ms', '% busy'], ...self.map((f) => [f.name, f.ms.toFixed(0), pct(f.ms)])])}\n`);
  const inclusive = summary.inclusive.filter((f) => keep(f.name)).slice(0, top);
  console.log(`inclusive time\n${textTable([['function', 'ms', '% busy'], ...inclusive.map((f) => [f.name, f.ms.toFixed(0), pct(f.ms)])])}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
