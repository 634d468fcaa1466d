/**
 * The fan-in load generator, alone in its process: thousands of raw sockets that each send one
 * minimal CONNECT (keepalive 60 s) and then stay idle, or publish one ~100-byte seed payload per
 * second each, spread evenly over the second. No MQTT library: a client costs a socket and a few
 * numbers, so 10k of them fit in one cheap process.
 *
 * RPC: 'connect' → { connected, failed, seconds }; 'publish' { seconds, rate, warmup } → rates, acks, PUBACK latency
 * (over `seconds` after `warmup` seconds of the same load, as the ingest runs measure; the p99 of every second,
 * warm-up included, shows the start).
 */
import net from 'node:net';
import { LatencyHistogram, type LatencySummary } from './lib/histogram.js';
import { CONNACK, PUBACK, PacketReader, connect as connectPacket, publishTemplate } from '../tests/support/wire.js';
import { benchPayload, writeDigits, PAYLOAD_PUB_AT, PAYLOAD_SEQ_AT, PAYLOAD_TS_AT, PUB_WIDTH, SEQ_WIDTH, TS_WIDTH } from './lib/payload.js';
import { childArg, emit, serveIpc } from './lib/procs.js';

export interface FaninLoadArg {
  port: number;
  clients: number;
  /** Connections being opened at once. */
  concurrency: number;
  /** New connections per second at most (rulemq closes connections past maxConnectRate, default 1000/s). */
  connectRate: number;
  topic: string;
  qos: 0 | 1;
}

export interface FaninPublishResult {
  seconds: number;
  sent: number;
  acked: number;
  msgPerSec: number;
  ack: LatencySummary | null;
  /** Sockets closed by the broker during the phase. */
  closed: number;
  /** The generator's own health: the latest a 10 ms tick ran (ms), and the most messages one tick sent. */
  tickLateMaxMs: number;
  burstMax: number;
  /** Seconds of the same load before `ack` started recording (sent and acked count them too). */
  warmupSec: number;
  /** PUBACK p99 (ms) of each second of the phase, warm-up included, by when the PUBACK arrived. */
  ackP99BySecond: number[];
}

interface Conn {
  sock: net.Socket;
  sentAt: number;
  pid: number;
  seq: number;
}

async function main(): Promise<void> {
  const arg = childArg<FaninLoadArg>();
  const conns: Conn[] = [];
  const ackHist = new LatencyHistogram();
  let acked = 0;
  let closed = 0;
  let measuring = false;
  /** Start of the publish phase (performance.now()), -1 outside it; and its PUBACK latencies per second. */
  let phaseT0 = -1;
  let bySecond: LatencyHistogram[] = [];

  const open = (i: number): Promise<Conn | null> =>
    new Promise((resolve) => {
      const sock = net.connect(arg.port, '127.0.0.1');
      const c: Conn = { sock, sentAt: 0, pid: 0, seq: 0 };
      let settled = false;
      const done = (v: Conn | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        sock.destroy();
        done(null);
      }, 30_000);
      const reader = new PacketReader((type, _f, buf, s) => {
        if (type === CONNACK) return done(buf[s + 1] === 0 ? c : null);
        if (type === PUBACK) {
          acked++;
          if (phaseT0 < 0) return;
          const now = performance.now();
          const us = (now - c.sentAt) * 1000;
          if (measuring) ackHist.recordMicros(us);
          const sec = Math.floor((now - phaseT0) / 1000);
          (bySecond[sec] ??= new LatencyHistogram()).recordMicros(us);
        }
      });
      sock.on('data', (d) => reader.push(d));
      sock.on('error', () => done(null));
      sock.on('close', () => {
        if (settled) closed++;
        done(null);
      });
      sock.once('connect', () => sock.write(connectPacket(`fan-${String(i).padStart(6, '0')}`, { keepalive: 60 })));
    });

  const tpl = publishTemplate(arg.topic, arg.qos, benchPayload());

  serveIpc(
    {
      connect: async () => {
        const t0 = performance.now();
        let next = 0;
        let failed = 0;
        const worker = async () => {
          while (next < arg.clients) {
            const i = next++;
            const wait = t0 + (i * 1000) / arg.connectRate - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            const c = await open(i);
            if (c) conns.push(c);
            else failed++;
          }
        };
        await Promise.all(Array.from({ length: Math.min(arg.concurrency, arg.clients) }, worker));
        closed = 0;
        return { connected: conns.length, failed, seconds: (performance.now() - t0) / 1000 };
      },
      publish: async (m): Promise<FaninPublishResult> => {
        const warmup = m.warmup === undefined ? 0 : Number(m.warmup);
        const seconds = Number(m.seconds) + warmup;
        const rate = m.rate === undefined ? 1 : Number(m.rate);
        const tickMs = 10;
        const perTick = (conns.length * rate) / (1000 / tickMs);
        let sent = 0;
        const acked0 = acked;
        ackHist.reset();
        bySecond = [];
        measuring = warmup === 0;
        closed = 0;
        const t0 = performance.now();
        phaseT0 = t0;
        let cursor = 0;
        let due = 0;
        let tickLateMaxMs = 0;
        let burstMax = 0;
        let lastTick = t0;
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            const now = performance.now();
            tickLateMaxMs = Math.max(tickLateMaxMs, now - lastTick - tickMs);
            lastTick = now;
            const elapsed = now - t0;
            if (!measuring && elapsed >= warmup * 1000) measuring = true;
            const before = cursor;
            if (elapsed >= seconds * 1000) {
              clearInterval(timer);
              return resolve();
            }
            // Each client publishes `rate` times per second: walk the clients in order, perTick per 10 ms.
            due = Math.floor((elapsed / tickMs + 1) * perTick);
            while (cursor < due) {
              const c = conns[cursor % conns.length];
              cursor++;
              if (c.sock.destroyed) continue;
              const out = Buffer.from(tpl.bytes);
              if (tpl.packetIdAt >= 0) {
                c.pid = c.pid === 65535 ? 1 : c.pid + 1;
                out[tpl.packetIdAt] = c.pid >> 8;
                out[tpl.packetIdAt + 1] = c.pid & 0xff;
              }
              c.sentAt = performance.now();
              writeDigits(out, tpl.payloadAt + PAYLOAD_SEQ_AT, SEQ_WIDTH, c.seq++);
              writeDigits(out, tpl.payloadAt + PAYLOAD_TS_AT, TS_WIDTH, Math.round(c.sentAt * 1000) % 1e12);
              writeDigits(out, tpl.payloadAt + PAYLOAD_PUB_AT, PUB_WIDTH, 0);
              c.sock.write(out);
              sent++;
            }
            burstMax = Math.max(burstMax, cursor - before);
          }, tickMs);
        });
        // Let the last acks arrive.
        const deadline = performance.now() + 5000;
        while (arg.qos > 0 && acked - acked0 < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        measuring = false;
        phaseT0 = -1;
        const s = (performance.now() - t0) / 1000;
        return {
          seconds: s,
          sent,
          acked: acked - acked0,
          msgPerSec: sent / seconds,
          ack: ackHist.summaryMs(),
          closed,
          tickLateMaxMs: Math.round(tickLateMaxMs),
          burstMax,
          warmupSec: warmup,
          ackP99BySecond: Array.from(bySecond, (h) => (h ? Math.round(h.percentile(99) / 10) / 100 : 0)),
        };
      },
    },
    () => {
      for (const c of conns) c.sock.destroy();
    },
  );
  emit('ready');
}

await main();
