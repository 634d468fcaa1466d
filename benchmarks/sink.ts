/**
 * HStreamDB sink throughput: render + batch + compress + Append of seed-shaped rows to the
 * in-process test server, which runs in a child process so it does not share the sink's core.
 * Reports, per batch size (10/100/1000) and compression (none/gzip/zstd): wall-clock rows/s and
 * rows per CPU-second of the sink process ("per core"). Target: ≥ 40k rows/s/core.
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/sink.js [--rows 200000] [--shards 8]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseActionSettings, parseConnectorSettings, type Compression } from '../sinks/hstreamdb/config.js';
import { createHStreamConnector } from '../sinks/hstreamdb/connector.js';
import { RecordEncoder, compressBatch, encodeBatch, loadZstd } from '../sinks/hstreamdb/record.js';
import { createHStreamAction } from '../sinks/hstreamdb/sink.js';
import { HStreamTestServer } from '../tests/support/hstream-server.js';

const SEED_TEMPLATE = '{"up_timestamp": ${up_timestamp}, "client_id": ${client_id}, "temp": ${temp}, "hum": ${hum}}';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function row(i: number): Record<string, unknown> {
  return { up_timestamp: 1700000000123 + i, client_id: `dev-${i % 1000}`, temp: 20 + (i % 100) / 10, hum: '41.8' };
}

// ---------------------------------------------------------------- server side (child process)

async function serveChild(shards: number): Promise<void> {
  const server = new HStreamTestServer({ decode: 'count' });
  await server.start();
  server.createStream('bench', shards);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'count') {
      const u = process.cpuUsage();
      process.send!({ count: server.recordCount, cpuSec: (u.user + u.system) / 1e6 });
    }
    if (m.cmd === 'stop') void server.stop().then(() => process.exit(0));
  });
  process.send!({ port: server.port });
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send({ cmd });
  });
}

// ---------------------------------------------------------------- sink side

async function runCase(port: number, batchSize: number, compression: Compression, rows: number) {
  const connector = createHStreamConnector(parseConnectorSettings({ url: `hstream://127.0.0.1:${port}` }));
  const action = createHStreamAction(
    'bench',
    parseActionSettings({
      connector: 'c',
      stream: 'bench',
      partition_key: '${client_id}',
      record_template: SEED_TEMPLATE,
      batch_size: batchSize,
      batch_interval: '5ms',
      compression,
      max_batches: Math.ceil(100_000 / batchSize),
      request_ttl: '60s',
    }),
    connector,
  );
  await action.start();
  await action.whenReady(5000);
  // warm-up (JIT, channel)
  for (let i = 0; i < 5000; i++) action.send(row(i), { ruleName: 'bench' });
  await action.whenIdle(30_000);
  const warm = action.stats(); // counters never go down: the run is measured from here

  const highWater = 50_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  while (sent < rows) {
    const end = Math.min(rows, sent + 1000);
    for (; sent < end; sent++) action.send(row(sent), { ruleName: 'bench' });
    // closed loop: let I/O run; when the queue is deep, sleep instead of spinning (spinning would bill CPU to the sink)
    await new Promise((r) => setImmediate(r));
    while (action.stats().queuing > highWater) await new Promise((r) => setTimeout(r, 2));
  }
  await action.whenIdle(120_000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const s = action.stats();
  await action.close(1000);
  await connector.close();
  return { wall, cpuSec, success: s.success - warm.success, dropped: s.dropped - warm.dropped, failed: s.failed - warm.failed };
}

/** Render + encode + compress alone, no I/O: the CPU floor of the sink. */
async function encodeOnly(batchSize: number, compression: Compression, rows: number): Promise<number> {
  await loadZstd();
  const enc = new RecordEncoder({ partitionKey: '${client_id}', recordTemplate: SEED_TEMPLATE, recordFormat: 'auto' });
  const t0 = performance.now();
  let batch: Buffer[] = [];
  for (let i = 0; i < rows; i++) {
    batch.push(enc.encode(row(i)));
    if (batch.length === batchSize) {
      compressBatch(compression, encodeBatch(batch));
      batch = [];
    }
  }
  return rows / ((performance.now() - t0) / 1000);
}

export interface SinkCaseResult {
  batchSize: number;
  compression: Compression;
  /** Rows per wall-clock second, render to Append OK. */
  wallRowsPerSec: number;
  /** Rows per CPU-second of the sink's process: the "per core" figure. */
  rowsPerCpuSec: number;
  /** Render + encode + compress only, no I/O. */
  encodeOnlyRowsPerSec: number;
  success: number;
  dropped: number;
  failed: number;
  /** Records the server counted for the case (should equal success). */
  stored: number;
  /** Share of a core the server process used. */
  serverCpu: number;
}

export interface SinkBenchOptions {
  rows: number;
  shards: number;
  batchSizes?: number[];
  compressions?: Compression[];
  /** e.g. '100:gzip' runs one case. */
  only?: string;
}

/** Every case against one server child; calls `onCase` as each finishes. */
export async function runSinkBench(o: SinkBenchOptions, onCase: (r: SinkCaseResult) => void = () => undefined): Promise<SinkCaseResult[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--server', '--shards', String(o.shards)], { stdio: 'inherit' });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    const out: SinkCaseResult[] = [];
    for (const batchSize of o.batchSizes ?? [10, 100, 1000]) {
      for (const compression of o.compressions ?? (['none', 'gzip', 'zstd'] as Compression[])) {
        if (o.only && o.only !== `${batchSize}:${compression}`) continue;
        const before = await ask<{ count: number; cpuSec: number }>(child, 'count');
        const r = await runCase(port, batchSize, compression, o.rows);
        const after = await ask<{ count: number; cpuSec: number }>(child, 'count');
        const enc = await encodeOnly(batchSize, compression, Math.min(o.rows, 100_000));
        const res: SinkCaseResult = {
          batchSize,
          compression,
          wallRowsPerSec: Math.round(o.rows / r.wall),
          rowsPerCpuSec: Math.round(o.rows / r.cpuSec),
          encodeOnlyRowsPerSec: Math.round(enc),
          success: r.success,
          dropped: r.dropped,
          failed: r.failed,
          stored: after.count - before.count - 5000, // minus warm-up rows
          serverCpu: Math.round(((after.cpuSec - before.cpuSec) / r.wall) * 100) / 100,
        };
        out.push(res);
        onCase(res);
      }
    }
    return out;
  } finally {
    child.send({ cmd: 'stop' });
  }
}

async function main(): Promise<void> {
  const shards = arg('shards', 8);
  if (process.argv.includes('--server')) return serveChild(shards);
  const rows = arg('rows', 200_000);
  const cpu = cpus();
  console.log(`CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}, Node ${process.version}`);
  console.log(`HStreamDB sink, seed rows (4-field JSON HRecord), ${shards} shards, 1000 keys, ${rows} rows per case;`);
  console.log('server = in-process test server in a child process (counts records, no per-record decode).\n');
  console.log('batch  compression  wall rows/s  rows/cpu-s (sink)  encode-only rows/s  success  dropped  server CPU');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined; // e.g. 100:gzip
  await runSinkBench({ rows, shards, only }, (r) => {
    console.log(
      [
        String(r.batchSize).padStart(5),
        r.compression.padEnd(11),
        fmt(r.wallRowsPerSec).padStart(11),
        fmt(r.rowsPerCpuSec).padStart(18),
        fmt(r.encodeOnlyRowsPerSec).padStart(19),
        String(r.success).padStart(8),
        String(r.dropped).padStart(8),
        `${Math.round(r.serverCpu * 100)}%`.padStart(11),
        r.stored === r.success ? '' : ` (server stored ${r.stored})`,
      ].join('  '),
    );
  });
}

function fmt(n: number): string {
  return `${Math.round(n / 100) / 10}k`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
