/**
 * `npm run bench`: every benchmark in one run, one table (stdout) and the same as JSON in
 * benchmarks/results/<date>.json. Parts: 1–2 ingest (rulemq vs bare Aedes vs mosquitto, same run),
 * 3 rule eval, 4 sink, 5 fan-in at scale, 6 ack_mode = 'sink'. Each broker runs in its own process,
 * so does the load generator and the HStreamDB test server.
 *
 * Environment (defaults in brackets; the default run takes ~5 minutes on 2 cores):
 *   BENCH_PARTS=ingest,rule,sink,fanin,ack   which parts
 *   BENCH_SECONDS [8]       measurement window of each ingest run (fan-in phases scale with it)
 *   BENCH_WARMUP [2]        warm-up before each window
 *   BENCH_REPEATS [3]       same-run rulemq / bare Aedes QoS 1 pairs (the headline ratio and its spread)
 *   BENCH_PUBLISHERS [1]    ingest publishers (→ 1 subscriber)
 *   BENCH_WINDOW [100]      messages in flight per publisher
 *   BENCH_SHARDS [4]        shards of the HStreamDB stream
 *   BENCH_CLIENTS [10000]   fan-in clients (fewer when ulimit -n is too low)
 *   BENCH_FANIN_RATE [1]    messages per second per fan-in client in the active phase
 *   BENCH_SINK_ROWS [100000] rows per sink case
 *   BENCH_RULE_ROUND [0.6]  seconds per rule-eval round
 *   BENCH_ACK_PUBLISHERS [16] publishers for the ack_mode comparison
 *   BENCH_MOSQUITTO=path    mosquitto binary; BENCH_NO_MOSQUITTO=1 skips it
 *   BENCH_RULEMQ_DIST=dir   run the rulemq broker from another build (e.g. a patched copy of dist/; ingest and fan-in)
 *   BENCH_OUT=dir           where the JSON goes [benchmarks/results]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAckMode } from './ack-mode.js';
import { faninClientBudget, runFanin } from './fanin.js';
import { findMosquitto, mosquittoVersion, runIngest, type IngestCase, type IngestResult } from './ingest.js';
import { openFilesLimit } from './lib/procs.js';
import { buildHeader, buildTable, buildTargets, type BenchResults, type IngestSection } from './report.js';
import { runRuleEval } from './rule-eval.js';
import { runSinkBench } from './sink.js';

const env = (name: string, fallback: number) => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};

const PARTS = new Set((process.env.BENCH_PARTS ?? 'ingest,rule,sink,fanin,ack').split(',').map((s) => s.trim()));
const SECONDS = env('BENCH_SECONDS', 8);
const WARMUP = env('BENCH_WARMUP', 2);
const REPEATS = env('BENCH_REPEATS', 3);
const PUBLISHERS = env('BENCH_PUBLISHERS', 1);
const WINDOW = env('BENCH_WINDOW', 100);
const SHARDS = env('BENCH_SHARDS', 4);
const CLIENTS = env('BENCH_CLIENTS', 10_000);
const SINK_ROWS = env('BENCH_SINK_ROWS', 100_000);
const RULE_ROUND = env('BENCH_RULE_ROUND', 0.6);
const ACK_PUBLISHERS = env('BENCH_ACK_PUBLISHERS', 16);
const FANIN_RATE = env('BENCH_FANIN_RATE', 1);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

function short(r: IngestResult): string {
  const l = r.load;
  return (
    `${Math.round(l.msgPerSec)} msg/s, ack p99 ${l.ack?.p99 ?? '–'} ms, sub p99 ${l.e2e?.p99 ?? '–'} ms, broker CPU ${r.broker.cpu}, gen ${r.generatorCpu}, others ${r.othersCpu}` +
    (r.sink ? `, records ${r.sink.recordsTotal}/${l.sent}${r.sink.stored ? `, stored p99 ${r.sink.stored.p99} ms` : ''}` : '') +
    `, lost ${l.lost}`
  );
}

async function ingestPart(notes: string[]): Promise<IngestSection> {
  const base: Omit<IngestCase, 'broker' | 'qos'> = {
    publishers: PUBLISHERS,
    window: WINDOW,
    rate: 0,
    warmupSec: WARMUP,
    seconds: SECONDS,
    storedLatency: false,
    shards: SHARDS,
  };
  const run = async (c: IngestCase) => {
    log(`ingest ${c.broker} QoS ${c.qos}${c.rate ? ` at ${c.rate} msg/s` : ''} …`);
    const r = await runIngest(c);
    log(`  ${short(r)}`);
    return r;
  };
  const out: IngestSection = { pairs: [], qos0: {}, mosquitto: {} };
  for (let i = 0; i < REPEATS; i++) {
    // Alternate the order so a drift in the machine's load does not favour one side.
    const first = i % 2 === 0 ? 'aedes' : 'rulemq';
    const a = await run({ ...base, broker: first, qos: 1 });
    const b = await run({ ...base, broker: first === 'aedes' ? 'rulemq' : 'aedes', qos: 1 });
    const [aedes, rulemq] = first === 'aedes' ? [a, b] : [b, a];
    out.pairs.push({ aedes, rulemq, ratio: rulemq.load.msgPerSec / aedes.load.msgPerSec });
  }
  out.qos0.aedes = await run({ ...base, broker: 'aedes', qos: 0 });
  out.qos0.rulemq = await run({ ...base, broker: 'rulemq', qos: 0 });
  const mosq = process.env.BENCH_NO_MOSQUITTO ? null : findMosquitto();
  if (mosq) {
    out.mosquitto.qos1 = await run({ ...base, broker: 'mosquitto', qos: 1 });
    out.mosquitto.qos0 = await run({ ...base, broker: 'mosquitto', qos: 0 });
  } else {
    out.mosquitto.note = process.env.BENCH_NO_MOSQUITTO ? 'skipped (BENCH_NO_MOSQUITTO)' : 'skipped: mosquitto is not installed';
    notes.push(`mosquitto ${out.mosquitto.note}`);
  }
  if (out.pairs.length > 0) {
    const rates = out.pairs.map((p) => p.rulemq.load.msgPerSec).sort((x, y) => x - y);
    const half = Math.round(rates[Math.floor((rates.length - 1) / 2)] / 2);
    out.halfRate = await run({ ...base, broker: 'rulemq', qos: 1, rate: half, storedLatency: true });
  }
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  const mosq = findMosquitto();
  const results: BenchResults = {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      node: process.version,
      date: new Date().toISOString(),
      aedes: (JSON.parse(readFileSync(join(repoRoot, 'node_modules/aedes/package.json'), 'utf8')) as { version: string }).version,
      mosquitto: mosq ? mosquittoVersion(mosq) : null,
      loadAvgBefore: os.loadavg(),
      loadAvgAfter: [],
      openFilesLimit: openFilesLimit(),
    },
    settings: {
      parts: [...PARTS].join(','),
      seconds: SECONDS,
      warmup: WARMUP,
      repeats: REPEATS,
      publishers: PUBLISHERS,
      window: WINDOW,
      shards: SHARDS,
      clients: CLIENTS,
      sinkRows: SINK_ROWS,
      ruleRound: RULE_ROUND,
      ackPublishers: ACK_PUBLISHERS,
      ...(process.env.BENCH_RULEMQ_DIST ? { rulemqDist: process.env.BENCH_RULEMQ_DIST } : {}),
    },
    notes: [],
    durationSec: 0,
  };
  log(
    `${results.machine.cpu} × ${results.machine.cores}, Node ${results.machine.node}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  if (PARTS.has('ingest')) results.ingest = await ingestPart(results.notes);
  if (PARTS.has('rule')) {
    log('rule eval …');
    results.ruleEval = runRuleEval(RULE_ROUND, (l) => log(`  ${l}`));
  }
  if (PARTS.has('sink')) {
    log('sink …');
    results.sink = await runSinkBench({ rows: SINK_ROWS, shards: 8 }, (c) =>
      log(`  batch ${c.batchSize} ${c.compression}: ${c.rowsPerCpuSec} rows/CPU-s, ${c.wallRowsPerSec} rows/s wall`),
    );
  }
  if (PARTS.has('fanin')) {
    const budget = faninClientBudget(CLIENTS);
    if (budget.note) results.notes.push(budget.note);
    const o = {
      clients: budget.clients,
      idleSec: Math.max(3, Math.round(SECONDS * 0.6)),
      activeSec: SECONDS,
      qos: 1 as const,
      ratePerClient: FANIN_RATE,
      ...(process.env.BENCH_RULEMQ_DIST ? { rulemqDist: process.env.BENCH_RULEMQ_DIST } : {}),
    };
    results.fanin = { note: budget.note };
    for (const kind of ['aedes', 'rulemq'] as const) {
      log(`fan-in ${kind}, ${o.clients} clients …`);
      const r = await runFanin(kind, o);
      log(
        `  connected ${r.clients} in ${r.connectSec} s; idle RSS ${r.rssIdleMB} MB (${r.kbPerConnection} KB/conn), lag p99 ${r.idleEldP99Ms} ms; 1 msg/s: ${Math.round(r.active.msgPerSec)} msg/s, lag p99 ${r.activeEldP99Ms} ms, CPU ${r.activeCpu}`,
      );
      results.fanin[kind] = r;
    }
  }
  if (PARTS.has('ack')) {
    log("ack_mode = 'sink' …");
    results.ackMode = await runAckMode({ publishers: ACK_PUBLISHERS, window: WINDOW, warmupSec: WARMUP, seconds: SECONDS, shards: SHARDS });
    log(`  ${results.ackMode.probe.available ? 'available' : 'n/a'}: ${results.ackMode.probe.reason}`);
  }

  results.machine.loadAvgAfter = os.loadavg();
  results.durationSec = (performance.now() - started) / 1000;
  const table = buildTable(results);
  const header = buildHeader(results);
  const targets = buildTargets(results);
  const text = [
    header,
    '',
    table,
    '',
    'Targets (reported, not asserted):',
    ...targets.map((t) => `- ${t}`),
    ...(results.notes.length ? ['', 'Notes:', ...results.notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
  console.log(`\n${text}\n`);

  const dir = process.env.BENCH_OUT ?? join(repoRoot, 'benchmarks', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${results.machine.date.replace(/:/g, '-').replace(/\..*$/, '')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...results, table: text }, null, 2)}\n`);
  log(`wrote ${file}`);
}

await main();
