/**
 * One ingest measurement: a broker in its own process (rulemq with the seed rule and its async
 * HStreamDB action, bare Aedes, or mosquitto), the HStreamDB test server in another (rulemq only),
 * and the load generator (ingest-load.ts) in a third. CPU and RSS come from /proc for every broker;
 * event-loop delay from inside the Node brokers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrokerChildArg } from './broker-child.js';
import type { HStreamChildArg, StoredSamples } from './hstream-child.js';
import type { IngestLoadArg, IngestLoadResult } from './ingest-load.js';
import { LatencyHistogram, type LatencySummary } from './lib/histogram.js';
import { type Child, cpuShare, forkChild, freePort, loopBusy, machineBusySec, sampleProc, sleep, waitForPort } from './lib/procs.js';

export type BrokerKind = 'rulemq' | 'aedes' | 'mosquitto';

export const SEED_STREAM = 'temp_hum';
export const SEED_TOPIC = 'temp_hum/emqx';

import { seedRules } from '../tests/support/seed-rules.js';

export { seedRules };

/** The compiled broker-child.js: this build's, or a patched copy's (BENCH_RULEMQ_DIST, to measure a proposed change). */
export function brokerChildScript(): URL {
  const dist = process.env.BENCH_RULEMQ_DIST;
  return dist ? pathToFileURL(join(dist, 'benchmarks', 'broker-child.js')) : new URL('./broker-child.js', import.meta.url);
}

/** Path of the mosquitto binary, or null when it is not installed. */
export function findMosquitto(): string | null {
  const candidates = [process.env.BENCH_MOSQUITTO, '/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const r = spawnSync('mosquitto', ['-h'], { stdio: 'ignore' });
  return r.error ? null : 'mosquitto';
}

export function mosquittoVersion(bin: string): string {
  const r = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  return /mosquitto version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** A running broker under test. */
export interface BrokerUnderTest {
  kind: BrokerKind;
  port: number;
  pid: number;
  /** Node brokers only. */
  child?: Child;
  stop(): Promise<void>;
}

export async function startBroker(
  kind: BrokerKind,
  opts: { rulesText?: string; execArgv?: string[]; script?: URL; nagle?: boolean; coalesce?: boolean } = {},
): Promise<BrokerUnderTest> {
  if (kind === 'mosquitto') {
    const bin = findMosquitto();
    if (!bin) throw new Error('mosquitto is not installed');
    const port = await freePort();
    const conf = join(mkdtempSync(join(tmpdir(), 'rulemq-bench-mosq-')), 'mosquitto.conf');
    // Limits lifted so mosquitto is not held back by defaults Aedes does not have (20 in flight, 1000 queued).
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        'log_dest none',
        'max_inflight_messages 0',
        'max_queued_messages 0',
        'set_tcp_nodelay true',
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
    const proc = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port);
    return {
      kind,
      port,
      pid: proc.pid!,
      stop: () =>
        new Promise<void>((r) => {
          if (proc.exitCode !== null) return r();
          proc.once('exit', () => r());
          proc.kill('SIGTERM');
        }),
    };
  }
  const arg: BrokerChildArg = kind === 'rulemq' ? { kind, rulesText: opts.rulesText } : { kind, nagle: opts.nagle, coalesce: opts.coalesce };
  const child = forkChild(opts.script ?? brokerChildScript(), kind, arg, ['--expose-gc', ...(opts.execArgv ?? [])]);
  const ready = await child.next<{ port: number; pid: number }>('ready', 60_000);
  return { kind, port: ready.port, pid: ready.pid, child, stop: () => child.stop(10_000) };
}

export async function startHStream(arg: HStreamChildArg): Promise<{ child: Child; port: number }> {
  const child = forkChild(new URL('./hstream-child.js', import.meta.url), 'hstream', arg);
  const { port } = await child.next<{ port: number }>('ready', 60_000);
  return { child, port };
}

export interface IngestCase {
  broker: BrokerKind;
  qos: 0 | 1;
  publishers: number;
  window: number;
  /** Total msg/s (0 = closed loop, as fast as the window allows). */
  rate: number;
  warmupSec: number;
  seconds: number;
  /** rulemq: HStreamDB action ack_mode. */
  ackMode?: 'broker' | 'sink';
  /** rulemq: decode every record at the server and time publish → stored (costs the server CPU). */
  storedLatency: boolean;
  shards: number;
  /** Extra node flags for the broker process (e.g. --cpu-prof). */
  brokerExecArgv?: string[];
  /** rulemq: the rules.sql to load instead of the seed's (gets the HStreamDB port); null = no rules file. */
  rules?: ((hstreamPort: number) => string) | null;
  /** rulemq: broker-child.js of another build (a patched copy of dist/). */
  brokerScript?: string;
  /** Bare Aedes: Nagle's algorithm left on (Node's default) instead of TCP_NODELAY as rulemq and mosquitto here. */
  aedesNagle?: boolean;
  /** Bare Aedes only: each connection's writes coalesced per event-loop turn, as rulemq's listeners do. */
  aedesCoalesce?: boolean;
}

export interface IngestResult {
  case: IngestCase;
  load: Omit<IngestLoadResult, 'sendSamples'>;
  broker: {
    /** Cores used (all threads). */
    cpu: number;
    /** Broker CPU time per message (µs): robust to other load on the machine, unlike msg/s. */
    cpuMicrosPerMsg: number;
    /** Main thread: share of the window on a CPU / runnable but waiting for one. run + wait ≈ 1: the broker was the bottleneck. */
    loopRun: number;
    loopWait: number;
    /** Socket reads + writes of the broker per message: how well it coalesces packets into system calls. */
    syscallsPerMsg: number;
    rssMB: number;
    peakRssMB: number;
    eldP99Ms: number | null;
  };
  generatorCpu: number;
  /** Cores busy with other work on the machine during the window (everything but the processes of this run). */
  othersCpu: number;
  /** rulemq only. */
  sink?: {
    recordsPerSec: number;
    recordsTotal: number;
    /** Messages published on the seed topic whose record never reached the server (count-based). */
    lostRecords: number;
    extraRecords: number;
    stored: LatencySummary | null;
    serverCpu: number;
    /** Records per Append the server received in the window (what a batching change moves). */
    rowsPerAppend: number;
    actionStats: unknown;
  };
}

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

export async function runIngest(c: IngestCase): Promise<IngestResult> {
  let hs: { child: Child; port: number } | undefined;
  let broker: BrokerUnderTest | undefined;
  let load: Child | undefined;
  try {
    if (c.broker === 'rulemq' && c.rules !== null) {
      hs = await startHStream({ stream: SEED_STREAM, shards: c.shards, decode: c.storedLatency ? 'full' : 'count', sample: 16 });
    }
    const rulesText = hs ? (c.rules ? c.rules(hs.port) : seedRules(hs.port, c.ackMode)) : undefined;
    const script = c.brokerScript ? pathToFileURL(join(c.brokerScript)) : undefined;
    broker = await startBroker(c.broker, { rulesText, execArgv: c.brokerExecArgv, script, nagle: c.aedesNagle, coalesce: c.aedesCoalesce });
    const loadArg: IngestLoadArg = {
      port: broker.port,
      publishers: c.publishers,
      qos: c.qos,
      window: c.window,
      rate: c.rate,
      warmupSec: c.warmupSec,
      seconds: c.seconds,
      topic: SEED_TOPIC,
      subscriber: true,
      sample: hs && c.storedLatency ? 16 : 0,
      drainTimeoutMs: 15_000,
    };
    load = forkChild(new URL('./ingest-load.js', import.meta.url), 'ingest-load', loadArg);
    await load.next('ready', 60_000);
    await broker.child?.call('gc');

    const running = load.call<IngestLoadResult>('run', {}, (c.warmupSec + c.seconds) * 1000 + 120_000);
    await load.next('window-start');
    const m0 = machineBusySec();
    const me0 = process.cpuUsage();
    const b0 = sampleProc(broker.pid);
    const g0 = sampleProc(load.pid);
    const h0 = hs ? sampleProc(hs.child.pid) : undefined;
    const s0 = hs ? await hs.child.call<{ count: number; appends: number }>('stats') : { count: 0, appends: 0 };
    const r0 = s0.count;
    await broker.child?.call('eld-reset');
    await load.next('window-end');
    const b1 = sampleProc(broker.pid);
    const g1 = sampleProc(load.pid);
    const h1 = hs ? sampleProc(hs.child.pid) : undefined;
    const m1 = machineBusySec();
    const me = process.cpuUsage(me0);
    const wall = (b1.at - b0.at) / 1000;
    const ours = b1.cpuSec - b0.cpuSec + (g1.cpuSec - g0.cpuSec) + (h0 && h1 ? h1.cpuSec - h0.cpuSec : 0) + (me.user + me.system) / 1e6;
    const othersCpu = round2(Math.max(0, (m1 - m0 - ours) / wall));
    const s1 = hs ? await hs.child.call<{ count: number; appends: number }>('stats') : { count: 0, appends: 0 };
    const r1 = s1.count;
    const bstats = broker.child ? await broker.child.call<{ eld: { p99: number } }>('stats') : undefined;
    const res = await running;
    const { sendSamples, id: _id, ...loadOut } = res as IngestLoadResult & { id?: number };

    const out: IngestResult = {
      case: c,
      load: loadOut,
      broker: {
        cpu: round2(cpuShare(b0, b1)),
        cpuMicrosPerMsg: Math.round((((b1.cpuSec - b0.cpuSec) * 1e6) / Math.max(1, res.msgPerSec * res.windowSec)) * 10) / 10,
        loopRun: loopBusy(b0, b1).run,
        loopWait: loopBusy(b0, b1).wait,
        syscallsPerMsg: Math.round(((b1.syscalls - b0.syscalls) / Math.max(1, res.msgPerSec * res.windowSec)) * 100) / 100,
        rssMB: mb(b1.rssBytes),
        peakRssMB: mb(b1.hwmBytes),
        eldP99Ms: bstats ? bstats.eld.p99 : null,
      },
      generatorCpu: round2(cpuShare(g0, g1)),
      othersCpu,
    };
    if (hs) {
      // Every published message must become one record: wait for the sink to catch up, then compare.
      let total = r1;
      // A custom rules.sql may not write one record per message: no waiting then.
      const deadline = Date.now() + (c.rules ? 0 : 20_000);
      while (Date.now() < deadline) {
        total = (await hs.child.call<{ count: number }>('stats')).count;
        if (total >= res.sent) break;
        await sleep(100);
      }
      await sleep(200);
      total = (await hs.child.call<{ count: number }>('stats')).count;
      const stored = c.storedLatency ? joinStored(await hs.child.call<StoredSamples>('samples'), sendSamples, res.windowMicros) : null;
      const actionStats = (await broker.child!.call<{ stats: unknown }>('action-stats', { action: 'to_hstream' })).stats;
      out.sink = {
        recordsPerSec: Math.round((r1 - r0) / res.windowSec),
        recordsTotal: total,
        lostRecords: c.rules ? 0 : Math.max(0, res.sent - total),
        extraRecords: c.rules ? 0 : Math.max(0, total - res.sent),
        stored,
        serverCpu: round2(cpuShare(h0!, h1!)),
        rowsPerAppend: Math.round((r1 - r0) / Math.max(1, s1.appends - s0.appends)),
        actionStats,
      };
    }
    return out;
  } finally {
    await load?.stop().catch(() => undefined);
    await broker?.stop().catch(() => undefined);
    await hs?.child.stop().catch(() => undefined);
  }
}

/** publish → stored latency from the k-th record of each key and the send time of that key's message k. */
function joinStored(server: StoredSamples, sends: Record<string, [number, number][]>, [w0, w1]: [number, number]): LatencySummary | null {
  const h = new LatencyHistogram();
  for (const [key, list] of Object.entries(sends)) {
    const sentAt = new Map(list);
    for (const [k2, k, t] of server.samples) {
      if (k2 !== key) continue;
      const s = sentAt.get(k);
      if (s !== undefined && s >= w0 && s <= w1) h.recordMicros(t - s);
    }
  }
  return h.summaryMs();
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
