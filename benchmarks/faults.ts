/**
 * The delivery fault scenarios (tests/delivery/*.test.ts) with longer runs and more
 * devices, printing the figures instead of asserting them: messages acknowledged, stored, lost
 * (acknowledged but not stored), duplicated, and the action's retried / late_reply / dropped /
 * failed counters, the acknowledged throughput and whether the statistics invariant held.
 * A script, not a test:
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/faults.js [--seconds 15] [--outage 10] [--devices 4] [--window 20] [--only 1,2,9]
 *
 * Devices, HStreamDB test server and (except in scenario 9) rulemq share this process, so the
 * throughput figures compare scenarios with each other, not with benchmarks/ingest.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ActionStats } from '../sinks/contract.js';
import { HStreamTestServer, selfSignedCert } from '../tests/support/hstream-server.js';
import { SeqDevice } from '../tests/delivery/device.js';
import { startChildBroker, getJson, type ChildBroker } from '../tests/delivery/child-broker.js';
import { STREAM, account, deliveryRules, startDeliveryBroker } from '../tests/delivery/support.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const SECONDS = arg('seconds', 15);
const OUTAGE_MS = arg('outage', 10) * 1000;
const DEVICES = arg('devices', 4);
const WINDOW = arg('window', 20);
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1].split(',').map((s) => s.trim())) : null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

interface Figures {
  scenario: string;
  mode: string;
  acked: number;
  stored: number;
  lost: number;
  duplicates: number;
  resent: number;
  retried: number;
  lateReply: number;
  dropped: string;
  failed: number;
  ackedPerSec: number;
  /** Per device (each keeps WINDOW messages in flight). */
  perDevice: number;
  invariant: boolean;
  note: string;
}

const results: Figures[] = [];

interface Load {
  devices: SeqDevice[];
  startedAt: number;
}

async function startLoad(port: () => number, tag: string): Promise<Load> {
  const devices = Array.from({ length: DEVICES }, (_, i) => new SeqDevice({ port, clientId: `${tag}-${i}`, topic: `dev/${tag}-${i}/seq`, window: WINDOW }));
  await Promise.all(devices.map((d) => d.start(1e9)));
  return { devices, startedAt: now() };
}

/** Stops new messages, waits (bounded) for the outstanding ones to be acknowledged, and stops the devices. */
async function endLoad(load: Load, timeoutMs = 60_000): Promise<number> {
  for (const d of load.devices) d.finish();
  await Promise.all(load.devices.map((d) => d.allAcked(timeoutMs).catch(() => undefined)));
  const seconds = (now() - load.startedAt) / 1000;
  for (const d of load.devices) d.stop();
  return seconds;
}

function record(scenario: string, mode: string, server: HStreamTestServer, load: Load, seconds: number, s: ActionStats, note = ''): void {
  let stored = 0;
  let lost = 0;
  let duplicates = 0;
  let acked = 0;
  for (const d of load.devices) {
    const a = account(server, d.clientId, d.acked);
    stored += a.stored;
    lost += a.ackedButLost.length;
    duplicates += a.duplicates;
    acked += d.acked.size;
  }
  results.push({
    scenario,
    mode,
    acked,
    stored,
    lost,
    duplicates,
    resent: load.devices.reduce((n, d) => n + d.resent, 0),
    retried: s.retried,
    lateReply: s.lateReply,
    dropped:
      s.dropped === 0
        ? '0'
        : Object.entries(s.droppedByReason)
            .map(([k, v]) => `${k}:${v}`)
            .join(' '),
    failed: s.failed,
    ackedPerSec: Math.round(acked / seconds),
    perDevice: Math.round(acked / seconds / load.devices.length),
    invariant: s.matched === s.success + s.failed + s.dropped + s.queuing + s.inflight + s.lateReply,
    note,
  });
  const r = results[results.length - 1];
  console.error(
    `  ${scenario} [${mode}]: acked ${r.acked}, lost ${r.lost}, duplicates ${r.duplicates}, retried ${r.retried}, late_reply ${r.lateReply}, dropped ${r.dropped}, ${r.ackedPerSec} msg/s ${note}`,
  );
}

type Mode = 'broker' | 'sink';
const modeSettings = (mode: Mode): Record<string, string | number> => (mode === 'sink' ? { ack_mode: "'sink'" } : {});

/**
 * One in-process run: server with a 2-shard stream, rulemq, DEVICES devices publishing for SECONDS,
 * `fault` running meanwhile (it gets the server and resolves when its fault is over).
 */
async function inProcess(
  scenario: string,
  mode: Mode,
  // biome-ignore lint/suspicious/noConfusingVoidType: a fault returns a note to print, or nothing at all.
  opts: { action?: Record<string, string | number>; downAtStart?: boolean; fault?: (server: HStreamTestServer) => Promise<string | void> },
): Promise<void> {
  const server = new HStreamTestServer({ decode: 'full' });
  await server.start();
  server.createStream(STREAM, 2);
  if (opts.downAtStart) await server.stop();
  const rb = await startDeliveryBroker({ port: server.port, action: { ...modeSettings(mode), ...opts.action } });
  try {
    const load = await startLoad(() => rb.mqttPort, `s${scenario.split(' ')[0]}${mode[0]}`);
    const [note] = await Promise.all([opts.fault?.(server) ?? Promise.resolve(), sleep(SECONDS * 1000)]);
    if (!server.running) await server.start();
    const seconds = await endLoad(load);
    await rb.action.whenIdle(60_000);
    record(scenario, mode, server, load, seconds, rb.action.stats(), note ?? '');
  } finally {
    await rb.close();
    await server.stop();
  }
}

const scenarios: Record<string, () => Promise<void>> = {
  '1': async () => {
    for (const mode of ['broker', 'sink'] as const) {
      await inProcess('1 down at start', mode, {
        downAtStart: true,
        fault: async (server) => {
          await sleep(OUTAGE_MS);
          await server.start();
          return `(HStreamDB up after ${OUTAGE_MS / 1000} s)`;
        },
      });
    }
  },
  '2': async () => {
    for (const mode of ['sink', 'broker'] as const) {
      await inProcess('2 killed mid-stream', mode, {
        fault: async (server) => {
          await sleep((SECONDS * 1000) / 4);
          await server.stop();
          await sleep(Math.min(OUTAGE_MS, (SECONDS * 1000) / 2));
          await server.start();
        },
      });
    }
  },
  '3': async () => {
    for (const mode of ['broker', 'sink'] as const) {
      let heapPeak = 0;
      await inProcess('3 slow server', mode, {
        action: { batch_size: 100, max_batches: 10, inflight_window: 2 },
        fault: async (server) => {
          server.faults.appendDelayMs = 200;
          const t = setInterval(() => {
            heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
          }, 50);
          await sleep(SECONDS * 1000 - 100);
          clearInterval(t);
          server.faults.appendDelayMs = 0;
          return `(Append +200 ms; heap peak ${Math.round(heapPeak / 2 ** 20)} MiB)`;
        },
      });
    }
  },
  '4': () =>
    inProcess('4 UNAVAILABLE first 20', 'sink', {
      fault: async (server) => {
        server.faults.failAppendsCode = grpcStatus.UNAVAILABLE;
        server.faults.failAppends = 20;
      },
    }),
  '5': () =>
    inProcess('5 commit, no reply', 'sink', {
      action: { grpc_flush_timeout: "'1s'" },
      fault: async (server) => {
        for (let i = 0; i < 3; i++) {
          await sleep((SECONDS * 1000) / 4);
          server.faults.commitNoReply = 1;
        }
        return '(3 Appends stored but unanswered)';
      },
    }),
  '6': () =>
    inProcess('6 stream deleted', 'broker', {
      fault: async (server) => {
        await sleep((SECONDS * 1000) / 3);
        server.deleteStream(STREAM);
        const before = server.calls.Append ?? 0;
        await sleep((SECONDS * 1000) / 3);
        const appends = (server.calls.Append ?? 0) - before;
        server.createStream(STREAM, 2);
        return `(${appends} Appends while the stream was missing; its records went with it, so 'lost' counts them too)`;
      },
    }),
  '7': () =>
    inProcess('7 new shard map', 'sink', {
      fault: async (server) => {
        await sleep((SECONDS * 1000) / 3);
        await server.stop();
        server.reshard(STREAM, 4);
        await sleep(1000);
        await server.start();
        return `(2 → 4 shards; key/shard violations ${server.keyShardViolations})`;
      },
    }),
  '8': () =>
    inProcess('8 small buffer, down', 'broker', {
      downAtStart: true,
      action: { batch_size: 100, max_batches: 2 },
      fault: async (server) => {
        await sleep(OUTAGE_MS);
        await server.start();
        return '(queue bound 200 rows)';
      },
    }),
  '9': async () => {
    const server = new HStreamTestServer();
    await server.start();
    server.createStream(STREAM, 2);
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-faults-'));
    const file = join(dir, 'rules.sql');
    writeFileSync(file, deliveryRules({ port: server.port, action: { ack_mode: "'sink'", buffer_mode: "'disk'", buffer_dir: `'${join(dir, 'buffer')}'` } }));
    let broker: ChildBroker = await startChildBroker(file);
    try {
      const load = await startLoad(() => broker.mqttPort, 'kill');
      const kills = 3;
      for (let k = 0; k < kills; k++) {
        await sleep((SECONDS * 1000) / (kills + 1));
        await broker.kill9();
        broker = await startChildBroker(file);
      }
      await sleep((SECONDS * 1000) / (kills + 1));
      const seconds = await endLoad(load);
      for (let i = 0; i < 600; i++) {
        const m = (await getJson<{ metrics: Record<string, number> }>(broker.httpPort, '/api/v5/actions/to_hs')).metrics;
        if (m.queuing === 0 && m.inflight === 0) break;
        await sleep(100);
      }
      const m = (await getJson<{ metrics: Record<string, number> }>(broker.httpPort, '/api/v5/actions/to_hs')).metrics;
      const s: ActionStats = {
        matched: m.matched,
        success: m.success,
        failed: m.failed,
        dropped: m.dropped,
        droppedByReason: {},
        queuing: m.queuing,
        queuingBytes: m.queuing_bytes,
        inflight: m.inflight,
        retried: m.retried,
        lateReply: m.late_reply,
      };
      record('9 kill -9 (x3)', 'sink+disk', server, load, seconds, s, '(counters of the last process only)');
    } finally {
      await broker.kill9();
      await server.stop();
    }
  },
  '10': async () => {
    const cert = selfSignedCert();
    if (!cert) {
      console.error('  10: skipped (no openssl)');
      return;
    }
    const server = new HStreamTestServer({ tls: cert });
    await server.start();
    server.createStream(STREAM, 1);
    const rb = await startDeliveryBroker({ port: server.port, scheme: 'hstreams', action: { request_ttl: "'2s'" } });
    try {
      const load = await startLoad(() => rb.mqttPort, 'tls');
      await sleep(Math.min(SECONDS, 5) * 1000);
      const seconds = await endLoad(load);
      await rb.action.whenIdle(30_000);
      record(
        '10 wrong TLS cert',
        'broker',
        server,
        load,
        seconds,
        rb.action.stats(),
        `(status ${rb.action.status()}: ${rb.action.health().reason.slice(0, 60)}…)`,
      );
    } finally {
      await rb.close();
      await server.stop();
    }
  },
};

async function main(): Promise<void> {
  console.error(`fault scenarios: ${SECONDS} s each, outage ${OUTAGE_MS / 1000} s, ${DEVICES} devices × window ${WINDOW}, QoS 1`);
  for (const [id, run] of Object.entries(scenarios)) {
    if (ONLY && !ONLY.has(id)) continue;
    console.error(`scenario ${id} …`);
    await run();
  }
  const cols: (keyof Figures)[] = [
    'scenario',
    'mode',
    'acked',
    'stored',
    'lost',
    'duplicates',
    'resent',
    'retried',
    'lateReply',
    'dropped',
    'failed',
    'ackedPerSec',
    'perDevice',
    'invariant',
    'note',
  ];
  const widths = cols.map((c) => Math.max(c.length, ...results.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ');
  console.log(line(cols));
  for (const r of results) console.log(line(cols.map((c) => String(r[c]))));
  process.exit(results.every((r) => r.invariant && (r.lost === 0 || r.mode === 'broker')) ? 0 : 1);
}

void main();
