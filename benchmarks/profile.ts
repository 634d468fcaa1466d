/**
 * Where rulemq's time goes under the ingest load: one QoS 1 ingest run (the seed rule + async
 * HStreamDB action, the same load as `npm run bench`) with the broker process started under
 * `node --cpu-prof`, then a summary of the profile: busy time by area (Aedes, MQTT parsing, rules,
 * sinks, gRPC, protobuf, metrics, Node streams/net, GC) and the top functions by self and total time.
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/profile.js            # run + summary
 *   node dist/benchmarks/profile.js path/to/file.cpuprofile                # summary of an existing profile
 *   node dist/benchmarks/profile.js a.cpuprofile:MSGS b.cpuprofile:MSGS    # µs per message by area and function, b − a
 *   BENCH_ALLOC=1 node dist/benchmarks/profile.js                          # bytes allocated per message by function
 *   node dist/benchmarks/profile.js path/to/file.heapprofile[:MSGS]        # the same, from an existing profile
 *
 * Environment: BENCH_SECONDS [8], BENCH_PUBLISHERS [1], BENCH_QOS [1], BENCH_VARIANT [one of breakdown.ts' variant
 * names; default 'rulemq, seed rule + HStreamDB'].
 * The .cpuprofile is kept in benchmarks/results/profiles/ (open it in Chrome DevTools → Performance).
 */
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { variants } from './breakdown.js';
import { runIngest } from './ingest.js';
import { frameLabel, printAllocations, type CallFrame } from './lib/heap-profile.js';

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Areas, first match wins (urls of compiled files look like file:///…/dist/rules/engine.js). */
const AREAS: [string, RegExp][] = [
  ['mqtt-packet (parse/generate)', /node_modules\/mqtt-packet\//],
  ['aedes', /node_modules\/aedes[^/]*\//],
  [
    'mqemitter / fastfall / other aedes deps',
    /node_modules\/(mqemitter|fastfall|fastparallel|fastseries|reusify|hyperid|retimer|qlobber|end-of-stream|uuid|aedes-packet|aedes-persistence)/,
  ],
  ['rules (dist/rules)', /\/dist\/rules\//],
  ['sinks (dist/sinks)', /\/dist\/sinks\//],
  ['broker (dist/broker)', /\/dist\/broker\//],
  ['@grpc/grpc-js', /node_modules\/@grpc\//],
  ['protobufjs', /node_modules\/(protobufjs|@protobufjs)\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['pino', /node_modules\/(pino|sonic-boom|thread-stream)/],
  ['other node_modules', /node_modules\//],
  ['node: streams', /^node:(internal\/)?streams?\//],
  ['node: net / tcp', /^node:(net|internal\/net|internal\/stream_base_commons|internal\/dns)/],
  ['node: timers / ticks', /^node:internal\/(timers|process\/task_queues)/],
  ['node: other', /^node:/],
];

function areaOf(f: CallFrame): string {
  if (f.url === '') {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)') return 'idle';
    if (f.functionName === '(program)') return '(program: native, not attributed)';
    return 'native / builtins';
  }
  for (const [name, re] of AREAS) if (re.test(f.url)) return name;
  return 'other';
}

export interface ProfileSummary {
  busyMs: number;
  areas: { area: string; ms: number; share: number }[];
  topSelf: { fn: string; ms: number; share: number }[];
  topTotal: { fn: string; ms: number; share: number }[];
}

export function summarize(p: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);

  const areas = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const a = areaOf(f);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    if (a === 'idle') continue;
    busy += ms;
    const fn = frameLabel(f);
    selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + ms);
  }
  // Total (inclusive) time per function, counting a function once per stack even when it recurses.
  const totalByFn = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const [id, ms] of self) {
    if (areaOf(byId.get(id)!.callFrame) === 'idle') continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = frameLabel(byId.get(cur)!.callFrame);
      if (seen.has(l) || l === '(root)') continue;
      seen.add(l);
      totalByFn.set(l, (totalByFn.get(l) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms), share: Math.round((ms / busy) * 1000) / 10 }));
  return {
    busyMs: Math.round(busy),
    areas: [...areas.entries()]
      .filter(([a]) => a !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => ({ area, ms: Math.round(ms), share: Math.round((ms / busy) * 1000) / 10 })),
    topSelf: sorted(selfByFn, top),
    topTotal: sorted(totalByFn, top),
  };
}

/** `messages`: how many messages the profiled process handled, to print µs per message. */
export function printSummary(s: ProfileSummary, messages = 0): void {
  const per = (ms: number) => (messages > 0 ? `${((ms * 1000) / messages).toFixed(2).padStart(7)} µs/msg  ` : '');
  console.log(
    `busy (non-idle) time in the profile: ${s.busyMs} ms${messages ? ` for ${messages} messages = ${((s.busyMs * 1000) / messages).toFixed(1)} µs/msg (start-up included)` : ''}\n\nby area (self time):`,
  );
  for (const a of s.areas) console.log(`  ${String(a.share).padStart(5)} %  ${String(a.ms).padStart(6)} ms  ${per(a.ms)}${a.area}`);
  console.log('\ntop functions by self time:');
  for (const f of s.topSelf) console.log(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(6)} ms  ${f.fn}`);
  console.log('\ntop functions by total time (self + callees):');
  for (const f of s.topTotal) console.log(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(6)} ms  ${f.fn}`);
}

/** µs per message by area and by function, profile b minus profile a (each divided by its own message count). */
export function printComparison(a: ProfileSummary, aMsgs: number, b: ProfileSummary, bMsgs: number, top = 40): void {
  const us = (ms: number, n: number) => (ms * 1000) / n;
  const areas = new Map<string, [number, number]>();
  for (const x of a.areas) areas.set(x.area, [us(x.ms, aMsgs), 0]);
  for (const x of b.areas) areas.set(x.area, [areas.get(x.area)?.[0] ?? 0, us(x.ms, bMsgs)]);
  const f = (x: number) => x.toFixed(2).padStart(8);
  console.log(`${'area'.padEnd(44)}       a µs/msg  b µs/msg    b − a`);
  let ta = 0;
  let tb = 0;
  for (const [k, [x, y]] of [...areas].sort((p, q) => q[1][1] - q[1][0] - (p[1][1] - p[1][0]))) {
    ta += x;
    tb += y;
    console.log(`${k.padEnd(44)}  ${f(x)}  ${f(y)}  ${f(y - x)}`);
  }
  console.log(`${'total'.padEnd(44)}  ${f(ta)}  ${f(tb)}  ${f(tb - ta)}`);
  const fa = new Map(a.topSelf.map((x) => [x.fn, us(x.ms, aMsgs)]));
  const fb = new Map(b.topSelf.map((x) => [x.fn, us(x.ms, bMsgs)]));
  const rows = [...new Set([...fa.keys(), ...fb.keys()])].map((k) => [k, fa.get(k) ?? 0, fb.get(k) ?? 0] as const);
  rows.sort((p, q) => q[2] - q[1] - (p[2] - p[1]));
  console.log(`\nfunctions by extra self time per message in b (µs: b − a, a, b):`);
  for (const [k, x, y] of rows.slice(0, top)) console.log(`  ${f(y - x)}  ${f(x)}  ${f(y)}  ${k}`);
}

const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 2) {
    const [[fa, na], [fb, nb]] = args.map((x) => [x.slice(0, x.lastIndexOf(':')), Number(x.slice(x.lastIndexOf(':') + 1))] as const);
    printComparison(summarize(load(fa), 5000), na, summarize(load(fb), 5000), nb);
    return;
  }
  if (args.length === 1 && /\.heapprofile(:\d+)?$/.test(args[0])) {
    const [file, msgs] = args[0].split(/:(?=\d+$)/);
    printAllocations(file, Number(msgs ?? 0));
    return;
  }
  if (args.length === 1) {
    printSummary(summarize(load(args[0])));
    return;
  }
  const dir = join(fileURLToPath(new URL('../../', import.meta.url)), 'benchmarks', 'results', 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const name = process.env.BENCH_VARIANT ?? 'rulemq, seed rule + HStreamDB';
  const variant = variants().find((v) => v.name === name);
  if (!variant)
    throw new Error(
      `unknown BENCH_VARIANT '${name}'; one of: ${variants()
        .map((v) => v.name)
        .join(' | ')}`,
    );
  // Allocation sampling instead of the CPU profile: broker-child.ts writes a .heapprofile when it stops.
  const alloc = process.env.BENCH_ALLOC === '1';
  if (alloc) process.env.BENCH_ALLOC_DIR = dir;
  const r = await runIngest(
    variant.make({
      qos: Number(process.env.BENCH_QOS ?? 1) as 0 | 1,
      publishers: Number(process.env.BENCH_PUBLISHERS ?? 1),
      window: 100,
      rate: 0,
      warmupSec: 2,
      seconds: Number(process.env.BENCH_SECONDS ?? 8),
      storedLatency: false,
      shards: 4,
      brokerExecArgv: alloc ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    }),
  );
  if (alloc) {
    const file = readdirSync(dir).find((f) => f.endsWith('.heapprofile') && !before.has(f));
    if (!file) throw new Error(`no new .heapprofile in ${dir}`);
    console.log(`${name}, QoS ${r.case.qos} sampling allocations: ${Math.round(r.load.msgPerSec)} msg/s\nprofile: ${join(dir, file)}:${r.load.sent}\n`);
    printAllocations(join(dir, file), r.load.sent);
    return;
  }
  console.log(`${name}, QoS ${r.case.qos} under --cpu-prof: ${Math.round(r.load.msgPerSec)} msg/s, broker CPU ${r.broker.cpu}, others ${r.othersCpu} cores`);
  const fresh = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  const file = fresh.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) throw new Error(`no new .cpuprofile in ${dir}`);
  console.log(`profile: ${file}:${r.load.sent}  (messages handled, for comparisons)\n`);
  printSummary(summarize(load(file)), r.load.sent);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
