/**
 * Where rulemq's per-message cost comes from, as same-run ratios against bare Aedes: the broker
 * layers alone (no rules file), + the seed rule evaluated but producing nothing (WHERE never true),
 * + the full seed rule writing to HStreamDB, and the same with batch_size = 1000 (a setting, no code change). Runs are interleaved and repeated, so a drift in the
 * machine's load hits every variant alike. BENCH_VARIANT_DIST=<dir> adds the full seed rule run from
 * another build (a patched copy of dist/) to measure a proposed hot-path change in the same run.
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/breakdown.js
 *
 * Environment: BENCH_SECONDS [6], BENCH_REPEATS [2], BENCH_PUBLISHERS [1], BENCH_QOS [1], BENCH_VARIANTS (names separated by ';'),
 * BENCH_STORED=1: time publish → stored at the server (full decode; for paced runs),
 * BENCH_RATE [0 = closed loop]: offer the same msg/s to every variant, so CPU µs per message compares the work itself
 * (at saturation a slower broker also coalesces fewer packets per write, which inflates its per-message cost).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIngest, seedRules, type IngestCase, type IngestResult } from './ingest.js';

interface Variant {
  name: string;
  make(base: Omit<IngestCase, 'broker'>): IngestCase;
}

/** The seed rule with a WHERE that is never true: payload decode + evaluation, no row for the sink. */
const seedNoOutput = (port: number) => seedRules(port).replace('  FROM "temp_hum/emqx"', '  FROM "temp_hum/emqx"\n  WHERE payload.temp = \'never\'');

export function variants(): Variant[] {
  const list: Variant[] = [
    { name: 'bare Aedes', make: (b) => ({ ...b, broker: 'aedes' }) },
    {
      // Node's default socket option, as Aedes' README starts it: small writes wait for the peer's ACK while data is in flight.
      name: 'bare Aedes, Nagle on',
      make: (b) => ({ ...b, broker: 'aedes', aedesNagle: true }),
    },
    {
      // rulemq's one-write-per-turn alone, on bare Aedes: what the rest of rulemq costs beside an equally coalescing broker.
      name: 'bare Aedes, writes coalesced',
      make: (b) => ({ ...b, broker: 'aedes', aedesCoalesce: true }),
    },
    { name: 'rulemq, no rules', make: (b) => ({ ...b, broker: 'rulemq', rules: null }) },
    { name: 'rulemq, seed rule, no output', make: (b) => ({ ...b, broker: 'rulemq', rules: seedNoOutput }) },
    { name: 'rulemq, seed rule + HStreamDB', make: (b) => ({ ...b, broker: 'rulemq' }) },
    {
      name: 'rulemq, seed rule + HStreamDB, batch_size 1000',
      make: (b) => ({ ...b, broker: 'rulemq', rules: (port) => seedRules(port).replace('batch_size = 100,', 'batch_size = 1000,') }),
    },
    {
      // Appends (compression, framing, grpc-js) in the broker's event loop instead of a worker thread.
      name: 'rulemq, seed rule + HStreamDB, append_threads 0',
      make: (b) => ({
        ...b,
        broker: 'rulemq',
        rules: (port) => seedRules(port).replace("grpc_timeout = '30s'", "grpc_timeout = '30s',\n  append_threads = 0"),
      }),
    },
    {
      // A larger V8 young generation: fewer scavenges for the short-lived objects of every message (a node flag, no code change).
      name: 'rulemq, seed rule + HStreamDB, --max-semi-space-size=64',
      make: (b) => ({ ...b, broker: 'rulemq', brokerExecArgv: ['--max-semi-space-size=64'] }),
    },
  ];
  const other = process.env.BENCH_VARIANT_DIST;
  if (other) {
    list.push({
      name: 'rulemq, seed rule + HStreamDB (variant build)',
      make: (b) => ({ ...b, broker: 'rulemq', brokerScript: join(other, 'benchmarks', 'broker-child.js') }),
    });
  }
  const only = process.env.BENCH_VARIANTS?.split(';').map((s) => s.trim());
  return only ? list.filter((v) => only.includes(v.name) || v.name === 'bare Aedes') : list;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 6);
  const repeats = Number(process.env.BENCH_REPEATS ?? 2);
  const base: Omit<IngestCase, 'broker'> = {
    qos: Number(process.env.BENCH_QOS ?? 1) as 0 | 1,
    publishers: Number(process.env.BENCH_PUBLISHERS ?? 1),
    window: 100,
    rate: Number(process.env.BENCH_RATE ?? 0),
    warmupSec: 2,
    seconds,
    // Publish → stored latency needs a full decode at the server: meant for paced runs (BENCH_RATE).
    storedLatency: process.env.BENCH_STORED === '1',
    shards: 4,
  };
  const vs = variants();
  const runs = new Map<string, IngestResult[]>(vs.map((v) => [v.name, []]));
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? vs : [...vs].reverse();
    for (const v of order) {
      const res = await runIngest(v.make(base));
      runs.get(v.name)!.push(res);
      process.stderr.write(
        `${v.name}: ${Math.round(res.load.msgPerSec)} msg/s, ${res.broker.cpuMicrosPerMsg} µs CPU/msg, ${res.broker.syscallsPerMsg} syscalls/msg, loop run ${res.broker.loopRun} wait ${res.broker.loopWait}, others ${res.othersCpu}${res.sink ? `, ${res.sink.rowsPerAppend} rows/Append, server ${res.sink.serverCpu} cores` : ''}${res.sink?.stored ? `, stored p50 ${res.sink.stored.p50} / p99 ${res.sink.stored.p99} ms` : ''}${res.load.ack ? `, ack p99 ${res.load.ack.p99} ms` : ''}\n`,
      );
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const aedes = runs.get('bare Aedes')!;
  console.log(
    `\nQoS ${base.qos}, ${base.publishers} publisher(s) → 1 subscriber, ${base.rate ? `paced at ${base.rate} msg/s` : 'closed loop'}, ${seconds} s windows, ${repeats} interleaved repeats (median shown)\n`,
  );
  console.log('| variant | msg/s | vs bare Aedes (per repeat) | broker µs CPU/msg | + µs vs previous | syscalls/msg | loop run / wait |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  let prev = NaN;
  for (const v of vs) {
    const rs = runs.get(v.name)!;
    const ratios = rs.map((x, i) => x.load.msgPerSec / aedes[i].load.msgPerSec);
    const us = med(rs.map((x) => x.broker.cpuMicrosPerMsg));
    console.log(
      `| ${v.name} | ${Math.round(med(rs.map((x) => x.load.msgPerSec)))} | ${med(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(', ')}) | ${us} | ${Number.isNaN(prev) ? '' : (us - prev).toFixed(1)} | ${med(rs.map((x) => x.broker.syscallsPerMsg))} | ${med(rs.map((x) => x.broker.loopRun))} / ${med(rs.map((x) => x.broker.loopWait))} |`,
    );
    prev = us;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
