/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): time per function, self and inclusive.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './processes.js';

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds spent in a function (or with it on the stack). */
export interface FunctionTime {
  name: string;
  ms: number;
}

/** A profile's time, by function. */
export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  /** Sampled time minus idle and the profiler's own. */
  busyMs: number;
  self: FunctionTime[];
  inclusive: FunctionTime[];
}

const NOT_BUSY = new Set(['(idle)', '(program)']);

function label(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  let where = frame.url;
  if (where.startsWith('file://')) where = relative(REPO_ROOT, fileURLToPath(where));
  where = where.replace(/^.*node_modules\//, '');
  return `${name} ${where}:${frame.lineNumber + 1}`;
}

/**
 * Self and inclusive time per function, largest first, over the samples taken at least
 * `fromMs` after the profile started (to leave out start-up).
 */
export function summarizeProfile(profile: CpuProfile, fromMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += (profile.timeDeltas[i] ?? 0) / 1000;
    if (at < fromMs) continue;
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const leaf = byId.get(profile.samples[i] as number);
    if (leaf === undefined) continue;
    const leafName = leaf.callFrame.functionName;
    if (NOT_BUSY.has(leafName)) {
      idleMs += ms;
      continue;
    }
    if (leafName === '(garbage collector)') gcMs += ms;
    const leafLabel = label(leaf.callFrame);
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + ms);
    // Each function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const name = label(node.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>): FunctionTime[] => [...m.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs, idleMs, gcMs, busyMs: totalMs - idleMs, self: sorted(self), inclusive: sorted(inclusive).filter((f) => f.name !== '(root)') };
}

/** The parts of a `.heapprofile` (V8's sampling heap profiler) this reads. */
export interface HeapProfileNode {
  callFrame: CpuProfile['nodes'][number]['callFrame'];
  /** Bytes sampled as allocated by this function itself. */
  selfSize: number;
  children?: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
}

/** Bytes allocated by a function (self) or with it on the stack (inclusive). */
export interface FunctionBytes {
  name: string;
  bytes: number;
}

/** A heap profile's allocation, by function, largest first. */
export function summarizeHeapProfile(profile: HeapProfile): { totalBytes: number; self: FunctionBytes[]; inclusive: FunctionBytes[] } {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: HeapProfileNode, stack: readonly string[]): void => {
    const name = label(node.callFrame);
    const path = stack.includes(name) ? stack : [...stack, name];
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      self.set(name, (self.get(name) ?? 0) + node.selfSize);
      // Each function once per allocation, however deep its recursion.
      for (const fn of path) inclusive.set(fn, (inclusive.get(fn) ?? 0) + node.selfSize);
    }
    for (const child of node.children ?? []) walk(child, path);
  };
  walk(profile.head, []);
  const sorted = (m: Map<string, number>): FunctionBytes[] => [...m.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { totalBytes, self: sorted(self), inclusive: sorted(inclusive).filter((f) => f.name !== '(root)') };
}
