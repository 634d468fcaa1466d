/**
 * ack_mode = 'sink': PUBACK only after HStreamDB confirmed the Append. First a probe decides
 * whether the running build acts on the setting: with every Append delayed by PROBE_DELAY_MS at the
 * server, a QoS 1 PUBACK that arrives sooner means the broker acknowledged without waiting for the
 * sink. Only when the probe passes are throughput and latency measured, against `broker` mode in the
 * same run with the same publishers (Aedes handles one packet per client at a time, so a held PUBACK
 * stalls that client: per-client throughput is the figure that drops).
 */
import net from 'node:net';
import { runIngest, seedRules, SEED_STREAM, SEED_TOPIC, startBroker, startHStream, type IngestResult } from './ingest.js';
import { CONNACK, PUBACK, PacketReader, connect as connectPacket, publishTemplate } from '../tests/support/wire.js';
import { benchPayload } from './lib/payload.js';

const PROBE_DELAY_MS = 600;

export interface AckProbe {
  available: boolean;
  /** Why it is not available, or how the probe saw it work. */
  reason: string;
  pubackMs?: number;
}

export interface AckModeOptions {
  publishers: number;
  window: number;
  warmupSec: number;
  seconds: number;
  shards: number;
}

export interface AckModeResult {
  probe: AckProbe;
  /** Closed loop: as fast as each mode goes. */
  broker?: IngestResult;
  sink?: IngestResult;
  /** Paced at the same rate (half of what sink mode reached): the latency each mode adds. */
  brokerPaced?: IngestResult;
  sinkPaced?: IngestResult;
}

/** Publishes one QoS 1 message and resolves with the time to its PUBACK (ms), or null after `timeoutMs`. */
function timePuback(port: number, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let t0 = 0;
    const timer = setTimeout(() => finish(null), timeoutMs);
    const finish = (v: number | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const tpl = publishTemplate(SEED_TOPIC, 1, benchPayload());
    const reader = new PacketReader((type) => {
      if (type === CONNACK) {
        const out = Buffer.from(tpl.bytes);
        out[tpl.packetIdAt + 1] = 1;
        t0 = performance.now();
        sock.write(out);
      } else if (type === PUBACK) {
        finish(performance.now() - t0);
      }
    });
    sock.on('data', (d) => reader.push(d));
    sock.on('error', () => finish(null));
    sock.once('connect', () => sock.write(connectPacket('ack-probe', { keepalive: 60 })));
  });
}

export async function probeAckModeSink(): Promise<AckProbe> {
  const hs = await startHStream({ stream: SEED_STREAM, shards: 1, decode: 'count' });
  let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
  try {
    await hs.child.call('faults', { faults: { appendDelayMs: PROBE_DELAY_MS } });
    try {
      broker = await startBroker('rulemq', { rulesText: seedRules(hs.port, 'sink') });
    } catch (e) {
      return { available: false, reason: `rulemq did not start with ack_mode = 'sink': ${(e as Error).message.split('\n')[0]}` };
    }
    // The first Append also waits for shard discovery; measure the second message.
    await timePuback(broker.port, 10_000);
    const ms = await timePuback(broker.port, 10_000);
    if (ms === null) return { available: false, reason: 'no PUBACK within 10 s with ack_mode = sink' };
    const pubackMs = Math.round(ms);
    if (ms < PROBE_DELAY_MS * 0.8) {
      return {
        available: false,
        reason: `PUBACK after ${pubackMs} ms while every Append takes ${PROBE_DELAY_MS} ms: the broker does not wait for the sink`,
        pubackMs,
      };
    }
    return { available: true, reason: `PUBACK after ${pubackMs} ms with Appends delayed ${PROBE_DELAY_MS} ms`, pubackMs };
  } finally {
    await broker?.stop().catch(() => undefined);
    await hs.child.stop().catch(() => undefined);
  }
}

export async function runAckMode(o: AckModeOptions): Promise<AckModeResult> {
  const probe = await probeAckModeSink();
  if (!probe.available) return { probe };
  const base = {
    broker: 'rulemq' as const,
    qos: 1 as const,
    publishers: o.publishers,
    window: o.window,
    rate: 0,
    warmupSec: o.warmupSec,
    seconds: o.seconds,
    storedLatency: true,
    shards: o.shards,
  };
  const broker = await runIngest({ ...base, ackMode: 'broker' });
  const sink = await runIngest({ ...base, ackMode: 'sink' });
  const rate = Math.max(100, Math.round(sink.load.msgPerSec / 2));
  const brokerPaced = await runIngest({ ...base, ackMode: 'broker', rate });
  const sinkPaced = await runIngest({ ...base, ackMode: 'sink', rate });
  return { probe, broker, sink, brokerPaced, sinkPaced };
}
