/**
 * Fan-in at scale: C raw-socket clients connected to one broker (rulemq with the seed rule and its
 * HStreamDB action, or bare Aedes), idle and then publishing 1 msg/s each (`ratePerClient`). Reports RSS per connection
 * (after a forced GC, against the broker's RSS before any client), event-loop delay p99 measured inside
 * the broker, broker CPU, and what reached HStreamDB.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FaninLoadArg, FaninPublishResult } from './fanin-load.js';
import { SEED_STREAM, SEED_TOPIC, seedRules, startBroker, startHStream, type BrokerUnderTest } from './ingest.js';
import { type Child, cpuShare, forkChild, machineBusySec, openFilesLimit, sampleProc, sleep } from './lib/procs.js';

export interface FaninOptions {
  clients: number;
  idleSec: number;
  /** Seconds of the publishing phase; 0 skips it (idle figures only). */
  activeSec: number;
  qos: 0 | 1;
  /** Extra node flags for the broker process (e.g. --cpu-prof). */
  brokerExecArgv?: string[];
  /** Messages per second each client publishes in the active phase (default 1). */
  ratePerClient?: number;
  /**
   * Seconds of the active load before its figures are taken (default 2, as the ingest runs): the brokers' code
   * runs for the first time when publishing starts, and every first message of a client pays for first-time work.
   * The PUBACK p99 of each second, warm-up included, is in `active.ackP99BySecond`.
   */
  warmupSec?: number;
  /** Run the rulemq broker from another build's dist/ (a same-run before/after). */
  rulemqDist?: string;
}

export interface FaninResult {
  broker: 'rulemq' | 'aedes';
  clients: number;
  failed: number;
  connectSec: number;
  rssBaseMB: number;
  rssIdleMB: number;
  /** (RSS idle − RSS base) / clients. */
  kbPerConnection: number;
  /** (V8 heap used idle − before any client) / clients, both after a forced GC. */
  heapKbPerConnection: number;
  idleCpu: number;
  idleEldP99Ms: number;
  active: FaninPublishResult;
  activeCpu: number;
  activeEldP99Ms: number;
  activeRssMB: number;
  /** Cores used by the generator, and by everything else on the machine, in the active phase. */
  generatorCpu: number;
  othersCpu: number;
  recordsPerSec?: number;
  /** Records that reached HStreamDB for the messages of the active phase (should equal active.sent). */
  records?: number;
}

/** How many clients the open-files limit allows (each side of a connection is one fd in its own process). */
export function faninClientBudget(wanted: number): { clients: number; note?: string } {
  const limit = openFilesLimit();
  if (!Number.isFinite(limit)) return { clients: wanted };
  // Each process holds its side of every connection plus its own files and sockets: keep a margin.
  const margin = Math.min(1000, Math.floor(limit / 4));
  const max = Math.max(0, limit - margin);
  if (wanted <= max) return { clients: wanted };
  return { clients: max, note: `ulimit -n is ${limit}: ${max} clients instead of ${wanted} (raise it to ≥ ${wanted + 1000})` };
}

/** Below rulemq's default maxConnectRate (1000/s), the same for both brokers. */
export const FANIN_CONNECT_RATE = 800;

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

/** The active-phase fields of a run that skipped that phase (`activeSec` 0). */
const NO_ACTIVE_PHASE = {
  active: { seconds: 0, sent: 0, acked: 0, msgPerSec: 0, ack: null, closed: 0, tickLateMaxMs: 0, burstMax: 0, warmupSec: 0, ackP99BySecond: [] },
  activeCpu: 0,
  activeEldP99Ms: 0,
  activeRssMB: 0,
  generatorCpu: 0,
  othersCpu: 0,
} satisfies Partial<FaninResult>;

export async function runFanin(kind: 'rulemq' | 'aedes', o: FaninOptions): Promise<FaninResult> {
  let hs: { child: Child; port: number } | undefined;
  let broker: BrokerUnderTest | undefined;
  let load: Child | undefined;
  try {
    if (kind === 'rulemq') hs = await startHStream({ stream: SEED_STREAM, shards: 4, decode: 'count' });
    broker = await startBroker(kind, {
      rulesText: hs ? seedRules(hs.port) : undefined,
      execArgv: o.brokerExecArgv,
      ...(kind === 'rulemq' && o.rulemqDist ? { script: pathToFileURL(join(o.rulemqDist, 'benchmarks', 'broker-child.js')) } : {}),
    });
    const b = broker.child!;
    await sleep(1000);
    await b.call('gc');
    const base = sampleProc(broker.pid);
    const heapBase = (await b.call<{ heapUsed: number }>('stats')).heapUsed;

    const arg: FaninLoadArg = { port: broker.port, clients: o.clients, concurrency: 200, connectRate: FANIN_CONNECT_RATE, topic: SEED_TOPIC, qos: o.qos };
    load = forkChild(new URL('./fanin-load.js', import.meta.url), 'fanin-load', arg);
    await load.next('ready');
    const conn = await load.call<{ connected: number; failed: number; seconds: number }>('connect', {}, 300_000);

    await sleep(2000);
    await b.call('gc');
    const i0 = sampleProc(broker.pid);
    const heapIdle = (await b.call<{ heapUsed: number }>('stats')).heapUsed;
    await b.call('eld-reset');
    await sleep(o.idleSec * 1000);
    const idleEld = (await b.call<{ eld: { p99: number } }>('stats')).eld.p99;
    const i1 = sampleProc(broker.pid);
    const idle = {
      broker: kind,
      clients: conn.connected,
      failed: conn.failed,
      connectSec: Math.round(conn.seconds * 10) / 10,
      rssBaseMB: mb(base.rssBytes),
      rssIdleMB: mb(i1.rssBytes),
      kbPerConnection: conn.connected > 0 ? Math.round(((i0.rssBytes - base.rssBytes) / 1024 / conn.connected) * 10) / 10 : NaN,
      heapKbPerConnection: conn.connected > 0 ? Math.round(((heapIdle - heapBase) / 1024 / conn.connected) * 100) / 100 : NaN,
      idleCpu: Math.round(cpuShare(i0, i1) * 100) / 100,
      idleEldP99Ms: idleEld,
    };
    // activeSec 0: the idle figures only (a memory comparison needs no publishing phase).
    if (o.activeSec <= 0) return { ...idle, ...NO_ACTIVE_PHASE };

    const warmup = o.warmupSec ?? 2;
    const r0 = hs ? (await hs.child.call<{ count: number }>('stats')).count : 0;
    const publishing = load.call<FaninPublishResult>(
      'publish',
      { seconds: o.activeSec, rate: o.ratePerClient ?? 1, warmup },
      (warmup + o.activeSec + 60) * 1000,
    );
    // CPU and event-loop delay over the same window as the latencies: after the warm-up.
    await sleep(warmup * 1000);
    await b.call('eld-reset');
    const a0 = sampleProc(broker.pid);
    const g0 = sampleProc(load.pid);
    const h0 = hs ? sampleProc(hs.child.pid) : undefined;
    const m0 = machineBusySec();
    const active = await publishing;
    const a1 = sampleProc(broker.pid);
    const g1 = sampleProc(load.pid);
    const h1 = hs ? sampleProc(hs.child.pid) : undefined;
    const m1 = machineBusySec();
    const wall = (a1.at - a0.at) / 1000;
    const ours = a1.cpuSec - a0.cpuSec + (g1.cpuSec - g0.cpuSec) + (h0 && h1 ? h1.cpuSec - h0.cpuSec : 0);
    const activeEld = (await b.call<{ eld: { p99: number } }>('stats')).eld.p99;
    let recordsPerSec: number | undefined;
    let records: number | undefined;
    if (hs) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        records = (await hs.child.call<{ count: number }>('stats')).count - r0;
        if (records >= active.sent || Date.now() > deadline) break;
        await sleep(100);
      }
      recordsPerSec = Math.round(records / (warmup + o.activeSec));
    }
    const { id: _id, ...act } = active as FaninPublishResult & { id?: number };
    return {
      ...idle,
      active: act,
      activeCpu: Math.round(cpuShare(a0, a1) * 100) / 100,
      activeEldP99Ms: activeEld,
      activeRssMB: mb(a1.rssBytes),
      generatorCpu: Math.round(cpuShare(g0, g1) * 100) / 100,
      othersCpu: Math.round(Math.max(0, (m1 - m0 - ours) / wall) * 100) / 100,
      recordsPerSec,
      records,
    };
  } finally {
    await load?.stop().catch(() => undefined);
    await broker?.stop().catch(() => undefined);
    await hs?.child.stop().catch(() => undefined);
  }
}
