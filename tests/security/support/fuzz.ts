/**
 * A seeded mutation fuzzer for the broker's MQTT input: it records what real MQTT.js clients send
 * (through a recording proxy), adds a few hand-made sessions, then replays mutated copies over TCP
 * and WebSocket in random chunk sizes, many at once. Used by tests/security/fuzz.test.ts (seconds)
 * and benchmarks/fuzz.ts (minutes).
 */
import net from 'node:net';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { connect, publish, subscribe, unsubscribe, ack, encode, DISCONNECT, PINGREQ } from '../../support/wire.js';
import { rng } from '../../support/rng.js';

/**
 * Runs scripted MQTT.js clients through a proxy in front of `brokerPort` and returns, per client,
 * every byte it sent to the broker: real sessions (CONNECT with will and credentials, subscriptions,
 * QoS 0/1/2 flows, retained messages, unsubscribe, disconnect).
 */
export async function recordSessions(brokerPort: number): Promise<Buffer[]> {
  const sessions: Buffer[] = [];
  const pending: Array<Promise<void>> = [];
  const proxy = net.createServer((client) => {
    const chunks: Buffer[] = [];
    const upstream = net.connect(brokerPort, '127.0.0.1');
    pending.push(
      new Promise((resolve) => {
        client.on('close', () => {
          upstream.destroy();
          sessions.push(Buffer.concat(chunks));
          resolve();
        });
      }),
    );
    client.on('data', (d: Buffer) => {
      chunks.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as net.AddressInfo).port;
  const url = `mqtt://127.0.0.1:${port}`;
  const opts = { reconnectPeriod: 0, connectTimeout: 5000 } as const;
  try {
    const a = await mqtt.connectAsync(url, {
      ...opts,
      clientId: 'rec-a',
      username: 'user-a',
      password: 'pw',
      will: { topic: 'rec/will', payload: Buffer.from('gone'), qos: 1, retain: true },
    });
    const b = await mqtt.connectAsync(url, { ...opts, clientId: 'rec-b', clean: false, keepalive: 30 });
    await b.subscribeAsync({ 'rec/+/qos0': { qos: 0 }, 'rec/#': { qos: 2 }, 'rec/retained': { qos: 1 } });
    await a.subscribeAsync('rec/a/#', { qos: 1 });
    await a.publishAsync('rec/x/qos0', 'zero');
    await a.publishAsync('rec/x/qos1', JSON.stringify({ temp: 21.5, hum: 40 }), { qos: 1 });
    await a.publishAsync('rec/x/qos2', Buffer.alloc(300, 7), { qos: 2 });
    await a.publishAsync('rec/retained', 'kept', { qos: 1, retain: true });
    await b.publishAsync('rec/a/reply', 'é€😀', { qos: 2 });
    await new Promise((r) => setTimeout(r, 100)); // let b acknowledge what it received
    await b.unsubscribeAsync(['rec/+/qos0', 'rec/retained']);
    await a.publishAsync('rec/retained', '', { qos: 0, retain: true });
    await a.endAsync();
    await b.endAsync();
    // MQTT 5 sessions: properties on CONNECT, will, PUBLISH, SUBSCRIBE (options, identifiers), topic aliases.
    const c = await mqtt.connectAsync(url, {
      ...opts,
      protocolVersion: 5,
      clientId: 'rec-v5-c',
      properties: { sessionExpiryInterval: 60, receiveMaximum: 10, maximumPacketSize: 65536, topicAliasMaximum: 5, userProperties: { app: 'rec' } },
      will: { topic: 'rec/v5/will', payload: Buffer.from('gone'), qos: 1, retain: false, properties: { willDelayInterval: 2, contentType: 'text/plain' } },
    });
    const d = await mqtt.connectAsync(url, { ...opts, protocolVersion: 5, clientId: 'rec-v5-d' });
    await c.subscribeAsync('rec/v5/#', { qos: 2, nl: true, rap: true, rh: 1, properties: { subscriptionIdentifier: 42 } });
    await d.publishAsync('rec/v5/a', 'with props', {
      qos: 1,
      properties: {
        userProperties: { site: 'x' },
        contentType: 'application/json',
        messageExpiryInterval: 30,
        responseTopic: 'rec/v5/reply',
        correlationData: Buffer.from([1, 2]),
      },
    });
    await d.publishAsync('rec/v5/alias', 'first', { qos: 0, properties: { topicAlias: 1 } });
    await d.publishAsync('', 'second', { qos: 2, properties: { topicAlias: 1 } });
    await new Promise((r) => setTimeout(r, 100));
    await c.unsubscribeAsync('rec/v5/#', { properties: { userProperties: { why: 'done' } } });
    await c.endAsync(false, { reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } });
    await d.endAsync();
    await Promise.all(pending);
  } finally {
    await new Promise<void>((r) => proxy.close(() => r()));
  }
  return sessions.filter((s) => s.length > 0);
}

/** Sessions written by hand, reaching corners MQTT.js never sends. */
export function handMadeSessions(): Buffer[] {
  return [
    Buffer.concat([
      connect('hand-1', { keepalive: 5 }),
      PINGREQ,
      publish('h/1', { qos: 2, id: 9 }),
      ack('pubrel', 9),
      ack('puback', 3),
      ack('pubrec', 4),
      ack('pubcomp', 5),
      DISCONNECT,
    ]),
    Buffer.concat([
      connect('hand-2', { protocol: { name: 'MQIsdp', level: 3 }, will: { topic: 'h/will', payload: 'x', qos: 2 } }),
      subscribe(1, ['h/#', 2], ['+/+', 1]),
      unsubscribe(2, 'h/#'),
    ]),
    Buffer.concat([
      connect('', { clean: true, username: '', password: Buffer.from([0, 1, 2]) }),
      publish(`h/${'l/'.repeat(40)}x`, { qos: 1, id: 1, payload: Buffer.alloc(2000, 1) }),
    ]),
    // MQTT 5, built with mqtt-packet: acknowledgements with reason codes and properties, AUTH, DISCONNECT with properties.
    Buffer.concat(
      [
        {
          cmd: 'connect',
          protocolVersion: 5,
          clientId: 'hand-5',
          clean: true,
          keepalive: 10,
          properties: { requestProblemInformation: false, requestResponseInformation: true },
        },
        { cmd: 'publish', topic: 'h5/t', qos: 2, messageId: 3, payload: Buffer.from('x'), properties: { payloadFormatIndicator: true, topicAlias: 2 } },
        { cmd: 'pubrel', messageId: 3, reasonCode: 0x92, properties: { reasonString: 'gone' } },
        { cmd: 'puback', messageId: 4, reasonCode: 0x10 },
        { cmd: 'pubrec', messageId: 5, reasonCode: 0x80, properties: { reasonString: 'no' } },
        { cmd: 'pubcomp', messageId: 6, reasonCode: 0 },
        { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'h5/#', qos: 1, rh: 2 }], properties: { subscriptionIdentifier: 268435455 } },
        { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } },
        { cmd: 'disconnect', reasonCode: 0, properties: { reasonString: 'bye', sessionExpiryInterval: 0 } },
      ].map((p) => encode(p, 5)),
    ),
  ];
}

/** Splits a stream of well-formed packets at their boundaries (stops at the first malformed length). */
export function splitPackets(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < stream.length) {
    let len = 0;
    let mult = 1;
    let j = i + 1;
    for (; j < stream.length && j < i + 5; j++) {
      len += (stream[j] & 0x7f) * mult;
      mult *= 128;
      if ((stream[j] & 0x80) === 0) break;
    }
    const end = j + 1 + len;
    if (j >= stream.length || end > stream.length) break;
    out.push(stream.subarray(i, end));
    i = end;
  }
  return out;
}

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0xc0, 0xed, 0xef, 0x23, 0x2b, 0x2f, 0x24];

/** Applies 1 to 4 random mutations; the first packet (CONNECT) is left alone most of the time so later states get exercised. */
export function mutate(session: Buffer, corpus: readonly Buffer[], r: () => number): Buffer {
  let packets = splitPackets(session).map((p) => Buffer.from(p));
  if (packets.length === 0) packets = [Buffer.from(session)];
  const rounds = 1 + Math.floor(r() * 4);
  const pick = (n: number) => Math.floor(r() * n);
  for (let k = 0; k < rounds; k++) {
    const protectFirst = packets.length > 1 && r() < 0.75;
    const idx = protectFirst ? 1 + pick(packets.length - 1) : pick(packets.length);
    const p = packets[idx];
    switch (pick(9)) {
      case 0: // flip a bit
        if (p.length > 0) p[pick(p.length)] ^= 1 << pick(8);
        break;
      case 1: // an interesting byte
        if (p.length > 0) p[pick(p.length)] = INTERESTING[pick(INTERESTING.length)];
        break;
      case 2: // insert random bytes
        packets[idx] = Buffer.concat([
          p.subarray(0, pick(p.length + 1)),
          Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256))),
          p.subarray(pick(p.length + 1)),
        ]);
        break;
      case 3: {
        // delete a range
        const a = pick(p.length + 1);
        packets[idx] = Buffer.concat([p.subarray(0, a), p.subarray(a + 1 + pick(8))]);
        break;
      }
      case 4: // truncate the packet
        packets[idx] = p.subarray(0, pick(p.length + 1));
        break;
      case 5: // the Remaining Length lies
        if (p.length > 1) p[1] = pick(2) === 0 ? pick(256) : 0xff;
        break;
      case 6: // duplicate a packet
        packets.splice(idx, 0, Buffer.from(p));
        break;
      case 7: {
        // swap two packets
        const j = pick(packets.length);
        [packets[idx], packets[j]] = [packets[j], packets[idx]];
        break;
      }
      default: {
        // splice in a packet from another session
        const other = splitPackets(corpus[pick(corpus.length)]);
        if (other.length > 0) packets.splice(idx, 0, Buffer.from(other[pick(other.length)]));
      }
    }
  }
  return Buffer.concat(packets);
}

export interface FuzzOptions {
  mqttPort: number;
  wsPort?: number;
  seed: number;
  /** Stop after this long. */
  durationMs: number;
  /** Sessions replayed at once. */
  concurrency: number;
  corpus: readonly Buffer[];
  /** Called every `checkEvery` sessions; a rejection stops the run (used to check the broker still serves). */
  check?: () => Promise<void>;
  checkEvery?: number;
}

export interface FuzzStats {
  sessions: number;
  bytes: number;
  closedByBroker: number;
  checks: number;
}

/** Replays mutated sessions until the time is up. */
export async function fuzz(o: FuzzOptions): Promise<FuzzStats> {
  const stats: FuzzStats = { sessions: 0, bytes: 0, closedByBroker: 0, checks: 0 };
  const deadline = Date.now() + o.durationMs;
  const workers = Array.from({ length: o.concurrency }, async (_, w) => {
    const r = rng(o.seed * 1000 + w);
    while (Date.now() < deadline) {
      const input = mutate(o.corpus[Math.floor(r() * o.corpus.length)], o.corpus, r);
      const overWs = o.wsPort !== undefined && r() < 0.25;
      const closed = await replay(input, overWs ? { ws: o.wsPort! } : { tcp: o.mqttPort }, r);
      stats.sessions++;
      stats.bytes += input.length;
      if (closed) stats.closedByBroker++;
      if (o.check && stats.sessions % (o.checkEvery ?? 200) === 0) {
        stats.checks++;
        await o.check();
      }
    }
  });
  await Promise.all(workers);
  return stats;
}

/** Sends `input` in random chunks; resolves true when the broker closed the connection, false when it was still open after a short linger. */
function replay(input: Buffer, to: { tcp: number } | { ws: number }, r: () => number): Promise<boolean> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + Math.floor(r() * (r() < 0.3 ? 8 : 600));
    chunks.push(input.subarray(i, i + n));
    i += n;
  }
  const lingerMs = 5 + Math.floor(r() * 60);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (closedByBroker: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(closedByBroker);
    };
    const guard = setTimeout(() => finish(false), 5000);
    if ('ws' in to) {
      const ws = new WebSocket(`ws://127.0.0.1:${to.ws}/mqtt`, 'mqtt');
      ws.on('error', () => finish(true));
      ws.on('close', () => finish(true));
      ws.on('open', () => {
        for (const c of chunks) ws.send(c);
        setTimeout(() => {
          ws.terminate();
          finish(false);
        }, lingerMs);
      });
      return;
    }
    const s = net.connect(to.tcp, '127.0.0.1');
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
    s.on('data', () => undefined);
    s.on('connect', async () => {
      for (const c of chunks) {
        if (s.destroyed) break;
        if (!s.write(c)) await new Promise((res) => s.once('drain', res));
        if (r() < 0.05) await new Promise((res) => setImmediate(res));
      }
      setTimeout(() => {
        s.destroy();
        finish(false);
      }, lingerMs);
    });
  });
}
