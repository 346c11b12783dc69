/**
 * `npx tsx bench/profile.ts <file.cpuprofile> [--top 25] [--match text] [--from s]`: what a V8 CPU
 * profile (from `npm run bench -- --cpu-prof`) spent its time on, as two tables: self time
 * per function, and inclusive time (the function and everything it called) per function.
 * Idle time and the profiler's own are left out of the percentages. `--match` keeps the
 * functions whose name or file contains the text; `--from` leaves out the first seconds
 * (start-up).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { summarizeProfile, type CpuProfile } from './lib/profile-summary.js';
import { textTable } from './lib/report.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' }, match: { type: 'string' }, from: { type: 'string', default: '0' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [--top 25] [--match text] [--from seconds]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const summary = summarizeProfile(profile, Number(values.from) * 1000);
  const top = Number(values.top);
  const keep = (name: string): boolean => values.match === undefined || name.includes(values.match);
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
