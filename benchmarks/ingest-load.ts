/**
 * The ingest load generator, alone in its process: N publishers and one subscriber on raw sockets.
 * Closed loop: a publisher sends only while fewer than `window` of its messages are unacknowledged
 * (QoS 1) and fewer than `window` are not yet delivered to the subscriber (any QoS), so no queue
 * anywhere grows without bound. With `rate` > 0 it is paced to that many messages per second in total
 * (still windowed). Each payload carries the publisher index, a sequence number and the send time;
 * the subscriber checks the sequence (lost / duplicated / reordered) and times publish → delivery;
 * PUBACKs time publish → PUBACK.
 *
 * RPC (see lib/procs.ts): 'run' → emits 'window-start' and 'window-end', answers the result when drained.
 */
import net from 'node:net';
import { LatencyHistogram, type LatencySummary } from './lib/histogram.js';
import {
  ack,
  connect as connectPacket,
  subscribe as subscribePacket,
  publishTemplate,
  PacketReader,
  CONNACK,
  PUBACK,
  PUBLISH,
  SUBACK,
  type PublishTemplate,
} from '../tests/support/wire.js';
import { benchPayload, readDigits, writeDigits, PAYLOAD_PUB_AT, PAYLOAD_SEQ_AT, PAYLOAD_TS_AT, PUB_WIDTH, SEQ_WIDTH, TS_WIDTH } from './lib/payload.js';
import { childArg, emit, serveIpc } from './lib/procs.js';

export interface IngestLoadArg {
  port: number;
  publishers: number;
  qos: 0 | 1;
  /** Messages per publisher unacknowledged or undelivered at most. */
  window: number;
  /** Total messages per second (0 = as fast as the window allows). */
  rate: number;
  warmupSec: number;
  seconds: number;
  topic: string;
  /** Subscribe to the topic (and window on deliveries). */
  subscriber: boolean;
  /** Keep the monotonic send time (µs) of every sample-th message per publisher; 0 = none. */
  sample: number;
  drainTimeoutMs: number;
  /** Publisher client ids are this plus the index (default 'bench-pub-'); generators sharing a cluster need their own. */
  clientIdPrefix?: string;
}

export interface IngestLoadResult {
  windowSec: number;
  /** Messages acknowledged (QoS 1) or delivered (QoS 0, or QoS 1 without PUBACK) per second in the window. */
  msgPerSec: number;
  perPublisherMsgPerSec: number[];
  deliveredPerSec: number;
  ack: LatencySummary | null;
  e2e: LatencySummary | null;
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  duplicates: number;
  reordered: number;
  drained: boolean;
  /** CPU share of one core used by this generator in the window. */
  generatorCpu: number;
  /** Monotonic clock (µs) at the start and end of the measurement window. */
  windowMicros: [number, number];
  /** clientId → [seq, µs] of the sampled sends (monotonic clock shared by every process). */
  sendSamples: Record<string, [number, number][]>;
}

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);
const perfMicros = () => Math.round(performance.now() * 1000);
/** PUBACK encoded once; the subscriber copies it and sets the packet id per reply. */
const PUBACK_REPLY = ack('puback', 0);

function connect(port: number, clientId: string, onPacket: (type: number, flags: number, buf: Buffer, s: number, e: number) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let connected = false;
    const reader = new PacketReader((type, flags, buf, s, e) => {
      if (!connected && type === CONNACK) {
        connected = true;
        if (buf[s + 1] !== 0) reject(new Error(`CONNACK ${buf[s + 1]} for ${clientId}`));
        else resolve(sock);
        return;
      }
      onPacket(type, flags, buf, s, e);
    });
    sock.on('data', (d) => reader.push(d));
    sock.once('error', reject);
    sock.once('connect', () => sock.write(connectPacket(clientId, { keepalive: 60 })));
  });
}

class Publisher {
  sent = 0;
  acked = 0;
  delivered = 0;
  /** Next sequence number expected by the subscriber. */
  expected = 0;
  unique = 0;
  dups = 0;
  reordered = 0;
  /** Paced mode: messages this publisher may send now, and when that was computed. */
  credit = 0;
  creditAt = 0;
  private pid = 0;
  readonly sentAtByPid = new Float64Array(65536);
  readonly samples: [number, number][] = [];
  sock!: net.Socket;

  constructor(
    readonly index: number,
    readonly clientId: string,
    private readonly tpl: PublishTemplate,
  ) {}

  /** Writes `n` publishes in one buffer. */
  send(n: number, sample: number): void {
    const tpl = this.tpl;
    const len = tpl.bytes.length;
    const out = Buffer.allocUnsafe(n * len);
    const ts = perfMicros();
    for (let i = 0; i < n; i++) {
      const off = i * len;
      tpl.bytes.copy(out, off);
      if (tpl.packetIdAt >= 0) {
        this.pid = this.pid === 65535 ? 1 : this.pid + 1;
        out[off + tpl.packetIdAt] = this.pid >> 8;
        out[off + tpl.packetIdAt + 1] = this.pid & 0xff;
        this.sentAtByPid[this.pid] = ts;
      }
      const seq = this.sent++;
      const p = off + tpl.payloadAt;
      writeDigits(out, p + PAYLOAD_SEQ_AT, SEQ_WIDTH, seq);
      writeDigits(out, p + PAYLOAD_TS_AT, TS_WIDTH, ts % 1e12);
      writeDigits(out, p + PAYLOAD_PUB_AT, PUB_WIDTH, this.index);
      if (sample > 0 && seq % sample === 0) this.samples.push([seq, nowMicros()]);
    }
    this.sock.write(out);
  }
}

async function main(): Promise<void> {
  const arg = childArg<IngestLoadArg>();
  const payload = benchPayload();
  const ackHist = new LatencyHistogram();
  const e2eHist = new LatencyHistogram();
  let measuring = false;
  let stopping = false;
  const pubs: Publisher[] = [];

  // ------------------------------------------------------------------ subscriber
  let sub: net.Socket | undefined;
  if (arg.subscriber) {
    let subacked!: () => void;
    const subReady = new Promise<void>((r) => (subacked = r));
    const replies: Buffer[] = [];
    sub = await connect(arg.port, 'bench-sub', (type, flags, buf, s, e) => {
      if (type === SUBACK) return subacked();
      if (type !== PUBLISH) return;
      const qos = (flags >> 1) & 3;
      const topicLen = (buf[s] << 8) | buf[s + 1];
      let p = s + 2 + topicLen;
      if (qos > 0) {
        const reply = Buffer.from(PUBACK_REPLY);
        reply[2] = buf[p];
        reply[3] = buf[p + 1];
        replies.push(reply);
        p += 2;
      }
      if (e - p < PAYLOAD_PUB_AT + PUB_WIDTH) return;
      const pub = pubs[readDigits(buf, p + PAYLOAD_PUB_AT, PUB_WIDTH)];
      if (!pub) return;
      const seq = readDigits(buf, p + PAYLOAD_SEQ_AT, SEQ_WIDTH);
      if (measuring) e2eHist.recordMicros((perfMicros() % 1e12) - readDigits(buf, p + PAYLOAD_TS_AT, TS_WIDTH));
      pub.delivered++;
      if (seq === pub.expected) {
        pub.expected++;
        pub.unique++;
      } else if (seq > pub.expected) {
        pub.reordered++; // a gap: lost, or overtaken (counted as lost at the end if it never comes)
        pub.expected = seq + 1;
        pub.unique++;
      } else {
        pub.dups++;
      }
    });
    sub.on('data', () => {
      // Runs after the reader's handler for the same chunk (registered later): answer in one write.
      if (replies.length > 0) sub!.write(replies.length === 1 ? replies[0] : Buffer.concat(replies));
      replies.length = 0;
      pumpAll();
    });
    sub.write(subscribePacket(1, [arg.topic, arg.qos]));
    await subReady;
  }

  // ------------------------------------------------------------------ publishers
  const tpl = publishTemplate(arg.topic, arg.qos, payload);
  for (let i = 0; i < arg.publishers; i++) {
    const p = new Publisher(i, `${arg.clientIdPrefix ?? 'bench-pub-'}${i}`, tpl);
    pubs.push(p);
    p.sock = await connect(arg.port, p.clientId, (type, _f, buf, s) => {
      if (type !== PUBACK) return;
      const pid = (buf[s] << 8) | buf[s + 1];
      if (measuring) ackHist.recordMicros(perfMicros() - p.sentAtByPid[pid]);
      p.acked++;
    });
    p.sock.on('data', () => pump(p));
  }

  let runStart = 0;
  const ratePerPub = arg.rate > 0 ? arg.rate / arg.publishers : 0;
  // Paced mode: each publisher earns ratePerPub credits per second, capped at 10 ms' worth (at least 1), so a
  // publisher held back by its window never catches up in a burst: the offered rate stays the rate.
  const creditCap = Math.max(1, ratePerPub / 100);
  const pump = (p: Publisher): void => {
    if (stopping || runStart === 0) return;
    let n = arg.subscriber ? arg.window - (p.sent - p.delivered) : arg.window;
    if (arg.qos > 0) n = Math.min(n, arg.window - (p.sent - p.acked));
    if (ratePerPub > 0) {
      const now = performance.now();
      p.credit = Math.min(creditCap, p.credit + ((now - p.creditAt) * ratePerPub) / 1000);
      p.creditAt = now;
      n = Math.min(n, Math.floor(p.credit));
    }
    if (n > 0) {
      p.send(n, arg.sample);
      if (ratePerPub > 0) p.credit -= n;
    }
  };
  function pumpAll(): void {
    for (let i = 0; i < pubs.length; i++) pump(pubs[i]);
  }

  serveIpc(
    {
      run: async (): Promise<IngestLoadResult> => {
        runStart = performance.now();
        for (const p of pubs) p.creditAt = runStart;
        const ticker = ratePerPub > 0 ? setInterval(pumpAll, 1) : undefined;
        pumpAll();
        await new Promise((r) => setTimeout(r, arg.warmupSec * 1000));
        const snap = () => pubs.map((p) => ({ sent: p.sent, acked: p.acked, delivered: p.delivered }));
        const a = snap();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const w0 = nowMicros();
        measuring = true;
        emit('window-start');
        await new Promise((r) => setTimeout(r, arg.seconds * 1000));
        measuring = false;
        const b = snap();
        const windowSec = (performance.now() - t0) / 1000;
        const w1 = nowMicros();
        const cpu = process.cpuUsage(cpu0);
        emit('window-end');
        stopping = true;
        if (ticker) clearInterval(ticker);
        // Drain: every message acknowledged and delivered, or give up after drainTimeoutMs.
        const deadline = Date.now() + arg.drainTimeoutMs;
        const settled = () => pubs.every((p) => (arg.qos === 0 || p.acked >= p.sent) && (!arg.subscriber || p.unique >= p.sent));
        while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const per = pubs.map((_p, i) => {
          const done = arg.qos > 0 ? b[i].acked - a[i].acked : b[i].delivered - a[i].delivered;
          return done / windowSec;
        });
        const deliveredInWindow = pubs.reduce((s, _p, i) => s + b[i].delivered - a[i].delivered, 0);
        return {
          windowSec,
          msgPerSec: per.reduce((x, y) => x + y, 0),
          perPublisherMsgPerSec: per,
          deliveredPerSec: deliveredInWindow / windowSec,
          ack: arg.qos > 0 ? ackHist.summaryMs() : null,
          e2e: e2eHist.summaryMs(),
          sent: sum(pubs, (p) => p.sent),
          acked: sum(pubs, (p) => p.acked),
          delivered: sum(pubs, (p) => p.delivered),
          lost: arg.subscriber ? sum(pubs, (p) => p.sent - p.unique) : 0,
          duplicates: sum(pubs, (p) => p.dups),
          reordered: sum(pubs, (p) => p.reordered),
          drained: settled(),
          generatorCpu: (cpu.user + cpu.system) / 1e6 / windowSec,
          windowMicros: [w0, w1],
          sendSamples: Object.fromEntries(pubs.map((p) => [p.clientId, p.samples])),
        };
      },
    },
    () => {
      for (const p of pubs) p.sock.destroy();
      sub?.destroy();
    },
  );
  emit('ready');
}

function sum<T>(xs: T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

await main();
