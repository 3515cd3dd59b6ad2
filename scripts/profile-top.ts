/**
 * `node --import tsx scripts/profile-top.ts <file> [N]`: the N (30) functions with the most self time in a V8 CPU
 * profile (`.cpuprofile`: BENCH_CPU_PROFILE of the benchmarks, or `node --cpu-prof`), with their share of the
 * busy time (idle left out), then the same by file: where a phase's CPU goes, without opening DevTools. For a
 * sampling heap profile (`.heapprofile`, BENCH_HEAP_PROFILE), the same by bytes allocated.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, top = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top <file.cpuprofile> [N]');
  process.exit(2);
}
const parsed = JSON.parse(readFileSync(file, 'utf8')) as Profile | { head: HeapNode };
if ('head' in parsed) {
  printHeap(parsed.head, Number(top));
  process.exit(0);
}
const profile = parsed;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// Self time per node: each sample's interval belongs to the node it landed in.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let busy = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') {
    idle += us;
    continue;
  }
  busy += us;
  const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
  const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  // Our files by path, a dependency by its package name (`@scope/name` or `name`), native frames by their name.
  const fileKey = !url ? functionName : /^(src|scripts|test)\//.test(short) ? short : (/^(?:@[^/]+\/)?[^/]+/.exec(short)?.[0] ?? short);
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
}
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => ((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5);
console.log(`busy ${ms(busy)} ms, idle ${ms(idle)} ms`);
console.log('\nby function (self time):');
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${ms(us)} ms ${pct(us)} %  ${k}`);
console.log('\nby file or package:');
for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${ms(us)} ms ${pct(us)} %  ${k}`);

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per function (self) and per call path's caller in our code, largest first. */
function printHeap(head: HeapNode, n: number): void {
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, ours: string) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
    const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
    const here = short.startsWith('src/') || short.startsWith('scripts/') ? key : ours;
    if (node.selfSize) {
      total += node.selfSize;
      byFunction.set(`${key}   <- ${here}`, (byFunction.get(`${key}   <- ${here}`) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, here);
  };
  walk(head, '(outside our code)');
  const mb = (b: number) => (b / 1048576).toFixed(1).padStart(8);
  console.log(`allocated ${mb(total)} MB (sampled)`);
  for (const [k, b] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, n)) console.log(`${mb(b)} MB ${((100 * b) / Math.max(1, total)).toFixed(1).padStart(5)} %  ${k}`);
}
