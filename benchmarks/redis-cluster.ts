/**
 * What a Redis Cluster costs per message: two rulemq nodes joined through one redis-server, then
 * through a 3-primary Redis Cluster (redis-cluster://), each node in its own process. A QoS 1
 * publisher on node A, a QoS 1 subscriber on node B: every message crosses Redis pub/sub.
 *
 * Two phases per set-up: closed loop (a window of messages sent and not yet received, as fast as it
 * goes) for msg/s, then paced at a rate both set-ups sustain for latency (PUBLISH written → PUBLISH received at
 * the subscriber, send time in the payload as the other benchmarks write it). CPU µs/msg = CPU seconds of both broker processes (and, apart, of the
 * redis-servers) over the measured window ÷ messages received, read from /proc as benchmarks/lib does.
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/redis-cluster.js [--seconds 8] [--window 64] [--rate 1000]
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { createCluster } from '../broker/cluster/index.js';
import { loadConfig } from '../broker/config/load.js';
import { startRulemq } from '../broker/index.js';
import { createLogger } from '../broker/logger.js';
import { RedisClusterServers } from '../tests/cluster/redis-cluster.js';
import { RedisServer } from '../tests/cluster/redis-server.js';
import * as wire from '../tests/support/wire.js';
import { LatencyHistogram, type LatencySummary } from './lib/histogram.js';
import { PAYLOAD_TS_AT, TS_WIDTH, benchPayload, readDigits, writeDigits } from './lib/payload.js';
import { childArg, emit, forkChild, machineBusySec, sampleProc, serveIpc, sleep } from './lib/procs.js';

interface NodeArg {
  name: string;
  redisUrl: string;
}
interface Options {
  seconds: number;
  warmup: number;
  window: number;
  rate: number;
}
interface PhaseResult {
  msgPerSec: number;
  latencyMs: LatencySummary | null;
  brokerCpuUsPerMsg: number;
  redisCpuUsPerMsg: number;
  brokerCores: number;
  redisCores: number;
  machineCores: number;
}
interface SetupResult {
  label: string;
  closed: PhaseResult;
  paced: PhaseResult;
}
interface Subscriber {
  received: number;
  onMessage(sentAtMs: number): void;
  afterMessage(): void;
  end(): void;
}
interface Publisher {
  start(o: { window: number } | { rate: number }): void;
  stop(): Promise<void>;
  end(): void;
}

if (process.argv[2]?.startsWith('{')) await runNode(childArg<NodeArg>());
else await main();

/** Child: one rulemq node on `redisUrl`, wired as `rulemq start --redis-url` wires it. */
async function runNode(arg: NodeArg): Promise<void> {
  const config = loadConfig({
    flags: {
      host: '127.0.0.1',
      mqttPort: 0,
      wsPort: 'off',
      tlsPort: 'off',
      wssPort: 'off',
      httpPort: 0,
      logLevel: 'warn',
      nodeName: arg.name,
      redisUrl: arg.redisUrl,
    },
    env: {},
    cwd: process.cwd(),
  });
  const logger = createLogger(config.logLevel);
  const cluster = await createCluster(config, logger);
  if (cluster === null) throw new Error('no cluster: redisUrl is missing');
  const running = await startRulemq({ config, logger, plugins: [cluster.plugin], aedes: cluster.aedes, sharedRedis: cluster.store });
  serveIpc({}, () => running.close(2000));
  emit('ready', { port: running.ports['mqtt-tcp'], pid: process.pid });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '2' },
      window: { type: 'string', default: '64' },
      rate: { type: 'string', default: '1000' },
    },
  });
  const opts: Options = { seconds: Number(values.seconds), warmup: Number(values.warmup), window: Number(values.window), rate: Number(values.rate) };
  const results: { single?: SetupResult; cluster?: SetupResult } = {};
  {
    const single = await RedisServer.create();
    try {
      results.single = await measureSetup('one redis-server', single.url, [single], opts);
    } finally {
      await single.stop();
    }
  }
  {
    const cluster = await RedisClusterServers.create();
    try {
      results.cluster = await measureSetup('3-primary Redis Cluster', cluster.url, cluster.servers, opts);
    } finally {
      await cluster.stop();
    }
  }
  print(results as Required<typeof results>, opts);
}

async function measureSetup(label: string, redisUrl: string, redisServers: readonly RedisServer[], opts: Options): Promise<SetupResult> {
  const script = new URL(import.meta.url);
  const a = forkChild(script, 'node-a', { name: 'bench-a', redisUrl });
  const b = forkChild(script, 'node-b', { name: 'bench-b', redisUrl });
  try {
    const [ra, rb] = (await Promise.all([a.next('ready'), b.next('ready')])) as { port: number; pid: number }[];
    const pids = { brokers: [ra.pid, rb.pid], redis: redisServers.map((s) => s.pid!) };
    const sub = await subscriber(rb.port);
    const pub = await publisher(ra.port, sub);
    const closed = await phase(pub, sub, pids, { ...opts, mode: 'closed' });
    const paced = await phase(pub, sub, pids, { ...opts, mode: 'paced' });
    pub.end();
    sub.end();
    return { label, closed, paced };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

/** One measured phase: warm-up, then `seconds` of load with CPU sampled at both ends. */
async function phase(
  pub: Publisher,
  sub: Subscriber,
  pids: { brokers: number[]; redis: number[] },
  o: Options & { mode: 'closed' | 'paced' },
): Promise<PhaseResult> {
  const hist = new LatencyHistogram();
  sub.onMessage = (sentAt) => hist.recordMicros((performance.now() - sentAt) * 1000);
  pub.start(o.mode === 'closed' ? { window: o.window } : { rate: o.rate });
  await sleep(o.warmup * 1000);
  hist.reset();
  const received0 = sub.received;
  const before = [...pids.brokers, ...pids.redis].map(sampleProc);
  const busy0 = machineBusySec();
  await sleep(o.seconds * 1000);
  const after = [...pids.brokers, ...pids.redis].map(sampleProc);
  const busy1 = machineBusySec();
  const received = sub.received - received0;
  await pub.stop(); // and the backlog drains before the next phase
  const wall = (after[0].at - before[0].at) / 1000;
  const cpu = (i: number) => after[i].cpuSec - before[i].cpuSec;
  const brokerCpu = pids.brokers.reduce((s, _, i) => s + cpu(i), 0);
  const redisCpu = pids.redis.reduce((s, _, i) => s + cpu(pids.brokers.length + i), 0);
  const lat = hist.summaryMs();
  return {
    msgPerSec: Math.round(received / wall),
    latencyMs: lat,
    brokerCpuUsPerMsg: round((brokerCpu / received) * 1e6),
    redisCpuUsPerMsg: round((redisCpu / received) * 1e6),
    brokerCores: round(brokerCpu / wall),
    redisCores: round(redisCpu / wall),
    machineCores: round((busy1 - busy0) / wall),
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A raw MQTT 3.1.1 subscriber (QoS 1 on bench/#) that acknowledges and reads the send time from each payload. */
async function subscriber(port: number): Promise<Subscriber> {
  const sock = await connected(port, 'bench-sub');
  const state: Subscriber = { received: 0, onMessage: () => {}, afterMessage: () => {}, end: () => sock.destroy() };
  const reader = new wire.PacketReader((type, flags, buf, start) => {
    if (type !== wire.PUBLISH) return;
    const topicLen = buf.readUInt16BE(start);
    let at = start + 2 + topicLen;
    if (((flags >> 1) & 3) > 0) {
      sock.write(wire.ack('puback', buf.readUInt16BE(at)));
      at += 2;
    }
    state.received++;
    state.onMessage(readDigits(buf, at + PAYLOAD_TS_AT, TS_WIDTH) / 1000);
    state.afterMessage();
  });
  sock.on('data', (d: Buffer) => reader.push(d));
  sock.write(wire.subscribe(1, ['bench/#', 1]));
  await sleep(300); // SUBACK, and the subscription reaches Redis
  return state;
}

/**
 * A raw QoS 1 publisher. Closed loop: at most `window` messages sent and not yet received by the
 * subscriber (PUBACK comes from node A before node B delivers, so it cannot bound the backlog at B);
 * paced: a fixed rate, up to 10 000 messages outstanding.
 */
async function publisher(port: number, sub: Subscriber): Promise<Publisher> {
  const sock = await connected(port, 'bench-pub');
  const tpl = wire.publishTemplate('bench/t', 1, benchPayload());
  let nextId = 1;
  let sent = 0;
  let window = 0;
  let timer: NodeJS.Timeout | null = null;
  const outstanding = () => sent - sub.received;
  const send = () => {
    const out = Buffer.from(tpl.bytes);
    out.writeUInt16BE(nextId, tpl.packetIdAt);
    nextId = nextId === 65535 ? 1 : nextId + 1;
    writeDigits(out, tpl.payloadAt + PAYLOAD_TS_AT, TS_WIDTH, performance.now() * 1000);
    sent++;
    sock.write(out);
  };
  sub.afterMessage = () => {
    while (window > 0 && outstanding() < window) send();
  };
  sock.on('data', () => {}); // PUBACKs: not used for pacing
  return {
    start(o) {
      if ('window' in o) {
        window = o.window;
        sub.afterMessage();
      } else {
        window = 0;
        // 1 ms ticks, each sending what the rate owes so far.
        const t0 = performance.now();
        let due0 = 0;
        timer = setInterval(() => {
          const due = Math.floor(((performance.now() - t0) / 1000) * o.rate);
          for (; due0 < due && outstanding() < 10_000; due0++) send();
        }, 1);
      }
    },
    /** Stops sending and waits (up to 30 s) until the subscriber has everything sent so far. */
    async stop() {
      window = 0;
      if (timer) clearInterval(timer);
      timer = null;
      for (let i = 0; i < 3000 && outstanding() > 0; i++) await sleep(10);
    },
    end: () => sock.destroy(),
  };
}

async function connected(port: number, clientId: string): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.once('connect', () => resolve());
  });
  sock.write(wire.connect(clientId, { keepalive: 60 }));
  await new Promise((resolve) => sock.once('data', resolve)); // CONNACK
  return sock;
}

function print(r: { single: SetupResult; cluster: SetupResult }, o: Options): void {
  const line = (s: SetupResult, phaseName: 'closed' | 'paced') => {
    const p = s[phaseName];
    const lat = p.latencyMs ? `${p.latencyMs.p50} / ${p.latencyMs.p99}` : 'n/a';
    return `| ${s.label} | ${phaseName === 'closed' ? `closed loop, ${o.window} in flight` : `paced ${o.rate} msg/s`} | ${p.msgPerSec} | ${lat} | ${p.brokerCpuUsPerMsg} | ${p.redisCpuUsPerMsg} | ${p.brokerCores} / ${p.redisCores} / ${p.machineCores} |`;
  };
  console.log(
    `\nRedis Cluster cost per message: QoS 1 publisher on node A, QoS 1 subscriber on node B; ${o.seconds} s per phase after ${o.warmup} s warm-up\n`,
  );
  console.log('| Redis | phase | msg/s | latency p50 / p99 (ms) | broker CPU µs/msg (2 nodes) | redis CPU µs/msg | cores: brokers / redis / machine |');
  console.log('| --- | --- | ---: | --- | ---: | ---: | --- |');
  for (const s of [r.single, r.cluster]) for (const ph of ['closed', 'paced'] as const) console.log(line(s, ph));
  const ratio = (f: (s: SetupResult) => number) => Math.round((f(r.cluster) / f(r.single)) * 100) / 100;
  console.log(
    `\nCluster ÷ single: msg/s ${ratio((s) => s.closed.msgPerSec)}×, broker CPU µs/msg ${ratio((s) => s.closed.brokerCpuUsPerMsg)}× (closed loop) and ${ratio((s) => s.paced.brokerCpuUsPerMsg)}× (paced), latency p50 ${ratio((s) => s.paced.latencyMs?.p50 ?? NaN)}× / p99 ${ratio((s) => s.paced.latencyMs?.p99 ?? NaN)}× (paced)`,
  );
  console.log(`\n${JSON.stringify(r)}`);
}
