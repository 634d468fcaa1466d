/**
 * Scaling out on one machine: the same ingest load (N devices, QoS 1, the seed rule into HStreamDB)
 * against one node in memory, one node on Redis, two nodes on Redis (the devices split between them),
 * and `rulemq start --workers 2` on Redis. Each broker runs as users run it (`rulemq start`, its own
 * processes); the load generator(s), redis-server and the HStreamDB test server run in processes of
 * their own. Prints one line per setup and the ratios to the one-node figure of the same run.
 *
 *   node dist/benchmarks/scaling.js   # BENCH_SCALING_SECONDS (default 8), _PUBLISHERS (8), _REPEATS (1),
 *                                     # _SETUPS (e.g. memory,workers), _DIST (another build's dist/)
 */
import { startChildBroker, type ChildBroker } from '../tests/delivery/child-broker.js';
import { RedisServer } from '../tests/cluster/redis-server.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestLoadArg, IngestLoadResult } from './ingest-load.js';
import { SEED_STREAM, SEED_TOPIC, seedRules, startHStream } from './ingest.js';
import { type Child, type ProcSample, forkChild, machineBusySec, sampleProc, sleep } from './lib/procs.js';

/** This build's CLI, or another build's (BENCH_SCALING_DIST=<copy of dist>) to measure a change. */
const CLI = process.env.BENCH_SCALING_DIST
  ? join(process.env.BENCH_SCALING_DIST, 'broker', 'cli.js')
  : fileURLToPath(new URL('../broker/cli.js', import.meta.url));
const SECONDS = Number(process.env.BENCH_SCALING_SECONDS ?? 8);
const PUBLISHERS = Number(process.env.BENCH_SCALING_PUBLISHERS ?? 8);
const REPEATS = Number(process.env.BENCH_SCALING_REPEATS ?? 1);

type Setup = 'one node, in memory' | 'one node, Redis' | 'two nodes, Redis' | '--workers 2, Redis';
const ALL_SETUPS: Setup[] = ['one node, in memory', 'one node, Redis', 'two nodes, Redis', '--workers 2, Redis'];
/** BENCH_SCALING_SETUPS=memory,redis,two,workers picks some (by a word of their name). */
const SETUPS = ALL_SETUPS.filter((s) => {
  const only = process.env.BENCH_SCALING_SETUPS;
  if (!only) return true;
  return only.split(',').some((w) => s.toLowerCase().includes(w.trim().toLowerCase()));
});

interface Node {
  broker: ChildBroker;
  port: number;
  /** Every process of the node: the supervisor and its workers with --workers. */
  pids: number[];
}

async function startNode(rulesFile: string, extra: string[]): Promise<Node> {
  const broker = await startChildBroker(rulesFile, 60_000, extra, CLI);
  const ready = broker.logs.find((l) => l.includes('"msg":"rulemq ready"'))!;
  const workers = (JSON.parse(ready) as { pids?: number[] }).pids ?? [];
  return { broker, port: broker.mqttPort, pids: [broker.proc.pid!, ...workers] };
}

async function stopNode(n: Node): Promise<void> {
  await n.broker.stop();
}

const cpuOf = (samples: ProcSample[]) => samples.reduce((s, x) => s + x.cpuSec, 0);

async function measure(setup: Setup, hstreamPort: number, redisPid: number, redisUrl: string, hstream: Child): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-scaling-'));
  const rules = join(dir, 'rules.sql');
  writeFileSync(rules, seedRules(hstreamPort));
  const redis = ['--redis-url', redisUrl];
  const nodes: Node[] = [];
  const loads: Child[] = [];
  try {
    if (setup === 'one node, in memory') nodes.push(await startNode(rules, []));
    else if (setup === 'one node, Redis') nodes.push(await startNode(rules, redis));
    else if (setup === 'two nodes, Redis') nodes.push(await startNode(rules, redis), await startNode(rules, redis));
    else nodes.push(await startNode(rules, [...redis, '--workers', '2']));
    for (const [k, n] of nodes.entries()) {
      const arg: IngestLoadArg = {
        clientIdPrefix: `bench-n${k}-pub-`,
        port: n.port,
        publishers: PUBLISHERS / nodes.length,
        qos: 1,
        window: 16,
        rate: 0,
        warmupSec: 2,
        seconds: SECONDS,
        topic: SEED_TOPIC,
        subscriber: false,
        sample: 0,
        drainTimeoutMs: 15_000,
      };
      const load = forkChild(new URL('./ingest-load.js', import.meta.url), 'ingest-load', arg);
      loads.push(load);
      await load.next('ready', 60_000);
    }
    const before = (await hstream.call<{ count: number }>('stats')).count;
    const running = loads.map((l) => l.call<IngestLoadResult>('run', {}, (2 + SECONDS) * 1000 + 120_000));
    await Promise.all(loads.map((l) => l.next('window-start')));
    const pids = nodes.flatMap((n) => n.pids);
    const m0 = machineBusySec();
    const b0 = pids.map(sampleProc);
    const r0 = sampleProc(redisPid);
    const h0 = sampleProc(hstream.pid);
    await Promise.all(loads.map((l) => l.next('window-end')));
    const b1 = pids.map(sampleProc);
    const r1 = sampleProc(redisPid);
    const h1 = sampleProc(hstream.pid);
    const m1 = machineBusySec();
    const results = await Promise.all(running);
    const wall = (b1[0].at - b0[0].at) / 1000;
    const msgs = results.reduce((s, r) => s + r.msgPerSec * r.windowSec, 0);
    const sent = results.reduce((s, r) => s + r.sent, 0);
    const acked = results.reduce((s, r) => s + r.acked, 0);
    // Every acknowledged message must become one record (a message sent but never acknowledged may or may not).
    let stored = 0;
    for (let i = 0; i < 200; i++) {
      stored = (await hstream.call<{ count: number }>('stats')).count - before;
      if (stored >= acked) break;
      await sleep(100);
    }
    const brokerCpu = cpuOf(b1) - cpuOf(b0);
    return {
      setup,
      msgPerSec: Math.round(msgs / results[0].windowSec),
      ackP99Ms: Math.max(...results.map((r) => r.ack?.p99 ?? 0)),
      perLoadMsgPerSec: results.map((r) => Math.round(r.msgPerSec)).join('+'),
      drained: results.every((r) => r.drained) ? 'yes' : 'no',
      brokerCores: round2(brokerCpu / wall),
      brokerMicrosPerMsg: Math.round((brokerCpu * 1e6) / Math.max(1, msgs)),
      redisCores: setup === 'one node, in memory' ? 0 : round2((r1.cpuSec - r0.cpuSec) / wall),
      hstreamCores: round2((h1.cpuSec - h0.cpuSec) / wall),
      machineCores: round2((m1 - m0) / wall),
      sent,
      acked,
      stored,
    };
  } finally {
    for (const l of loads) await l.stop().catch(() => undefined);
    for (const n of nodes) await stopNode(n).catch(() => undefined);
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<void> {
  console.log(`# scaling on one machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
  console.log(`# ${PUBLISHERS} devices, QoS 1, window 16, seed rule into HStreamDB (stream ${SEED_STREAM}), ${SECONDS} s per setup, ${REPEATS} repeat(s)`);
  const redis = await RedisServer.create();
  const hs = await startHStream({ stream: SEED_STREAM, shards: 1, decode: 'count', sample: 16 });
  const rows: Record<string, number | string>[] = [];
  try {
    for (let r = 0; r < REPEATS; r++) {
      for (const setup of SETUPS) {
        const row = await measure(setup, hs.port, redis.pid!, redis.url, hs.child);
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    await hs.child.stop().catch(() => undefined);
    await redis.stop();
  }
  console.log('\n| setup | msg/s (median) | vs first row | broker cores | broker µs/msg | Redis cores | PUBACK p99 ms | stored / acknowledged |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(rows.filter((r) => r.setup === SETUPS[0]).map((r) => r.msgPerSec as number));
  for (const setup of SETUPS) {
    const mine = rows.filter((r) => r.setup === setup);
    const rate = median(mine.map((r) => r.msgPerSec as number));
    const pick = mine.find((r) => r.msgPerSec === rate)!;
    console.log(
      `| ${setup} | ${rate} | ${(rate / base).toFixed(2)}× | ${pick.brokerCores} | ${pick.brokerMicrosPerMsg} | ${pick.redisCores} | ${pick.ackP99Ms} | ${mine.map((r) => `${r.stored}/${r.acked}`).join(', ')} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
