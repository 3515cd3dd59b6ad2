/**
 * Profiles of one phase of a benchmark, taken in-process through the inspector so seeding and shutdown stay
 * out of them: BENCH_CPU_PROFILE=dir, a V8 CPU profile (`<phase>.cpuprofile`: where a phase's CPU goes);
 * BENCH_HEAP_PROFILE=dir, a sampling allocation profile that keeps what the GC already collected
 * (`<phase>.heapprofile`: who allocates the garbage). Open them in Chrome's DevTools or summarise one with
 * `node --import tsx scripts/profile-top.ts <file>`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session as InspectorSession } from 'node:inspector';

/** Starts the profiles asked for (BENCH_CPU_PROFILE, BENCH_HEAP_PROFILE); the returned function writes them. */
export function profilePhase(name: string): () => Promise<void> {
  const cpuDir = process.env.BENCH_CPU_PROFILE;
  const heapDir = process.env.BENCH_HEAP_PROFILE;
  if (!cpuDir && !heapDir) return async () => undefined;
  const session = new InspectorSession();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  const file = (dir: string, ext: string) => {
    mkdirSync(dir, { recursive: true });
    return join(dir, `${name.replace(/[^a-z0-9-]+/gi, '_')}.${ext}`);
  };
  const started = (async () => {
    if (cpuDir) {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    }
    if (heapDir) {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
  })();
  return async () => {
    await started;
    if (cpuDir) writeFileSync(file(cpuDir, 'cpuprofile'), JSON.stringify(((await post('Profiler.stop')) as { profile: unknown }).profile));
    if (heapDir) writeFileSync(file(heapDir, 'heapprofile'), JSON.stringify(((await post('HeapProfiler.stopSampling')) as { profile: unknown }).profile));
    session.disconnect();
  };
}
