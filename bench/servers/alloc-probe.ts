/**
 * Preloaded into every server of a benchmark run (`--import`): counts the bytes the process
 * allocates on its V8 heap, and answers the harness's `bench-alloc` messages on the IPC
 * channel with the total so far.
 *
 * Node 20 has no allocation counter, but the heap only grows by allocation and only shrinks
 * in a collection, so the bytes allocated are the growth of the used heap between
 * collections: V8's GC profiler records the used heap before and after each collection, and
 * the sum of (used before a collection − used after the previous one) plus the growth since
 * the last one is every byte allocated. It costs a few statistics per collection, nothing per
 * allocation, so the figures are those of the unprobed server. Memory outside the V8 heap
 * (Buffer contents, OpenSSL) is not counted.
 *
 * With `BENCH_ALLOC_PROFILE_DIR` set (`npm run bench -- --alloc-prof`), it also runs V8's
 * sampling heap profiler over the whole life of the process, counting the objects that
 * garbage collection has already freed too (the short-lived garbage of a request is what
 * costs scavenges), and writes `<pid>.heapprofile` into that folder on exit; read it with
 * `npx tsx bench/profile.ts <file.heapprofile>`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { GCProfiler, getHeapStatistics } from 'node:v8';

let profiler = new GCProfiler();
profiler.start();
let lastUsed = getHeapStatistics().used_heap_size;
let allocated = 0;

/** Bytes allocated on the V8 heap since the probe started. */
function allocatedSoFar(): number {
  const data = profiler.stop();
  // Restarted at once: a collection between the two calls would be missed, not miscounted
  // (the used heap it freed is read below as negative growth); it is rare and small.
  profiler = new GCProfiler();
  profiler.start();
  for (const gc of data.statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - lastUsed;
    lastUsed = gc.afterGC.heapStatistics.usedHeapSize;
  }
  const now = getHeapStatistics().used_heap_size;
  allocated += now - lastUsed;
  lastUsed = now;
  return allocated;
}

if (process.send !== undefined) {
  process.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'bench-alloc') {
      process.send?.({ type: 'bench-alloc', id: (message as { id?: unknown }).id, bytes: allocatedSoFar() });
    }
  });
  // The channel must not keep a server alive once it is told to stop.
  process.channel?.unref();
}

const profileDir = process.env.BENCH_ALLOC_PROFILE_DIR;
if (profileDir !== undefined && profileDir !== '') {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  // One sample per 8 KiB allocated on average: cheap, and thousands of samples a second under load.
  session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.on('exit', () => {
    // A session on the main thread answers synchronously, so this completes before exit.
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err === null) writeFileSync(join(profileDir, `${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
