import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import { coalesceWrites } from '../../broker/listeners/write-coalescing.js';
import { eventually } from '../support/rules-broker.js';
import { startTestBroker } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { connect, PacketReader, PUBLISH, SUBACK, subscribe } from '../support/wire.js';
import type { RunningBroker } from '../../broker/index.js';

/** Counts the socket's trips to the network: each `_write`/`_writev` call is one system call. */
function countWrites(socket: net.Socket): { calls: number } {
  const counted = { calls: 0 };
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write;
  const writev = s._writev;
  s._write = function (...a) {
    counted.calls++;
    write.apply(this, a);
  };
  s._writev = function (...a) {
    counted.calls++;
    writev.apply(this, a);
  };
  return counted;
}

function publishPacket(i: number): Packet {
  return { cmd: 'publish', topic: 'coalesce/t', payload: Buffer.from(`m${i}`), qos: 0, retain: false, dup: false } as Packet;
}

/** The payload of a QoS 0 PUBLISH body `buf[start, end)` (topic, then payload: no packet id), as text. */
function qos0Payload(buf: Buffer, start: number, end: number): string {
  return buf.subarray(start + 2 + buf.readUInt16BE(start), end).toString();
}

/** A server-side socket pair: `server` is the accepted socket, `received` the payloads the client read, in order. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; received: string[]; ended: Promise<void>; close(): void }> {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  server.setNoDelay(true);
  const received: string[] = [];
  const reader = new PacketReader((type, _flags, buf, start, end) => {
    assert.equal(type, PUBLISH);
    received.push(qos0Payload(buf, start, end));
  });
  client.on('data', (d: Buffer) => reader.push(d));
  client.on('error', () => undefined);
  const ended = new Promise<void>((r) => client.once('end', r));
  return {
    server,
    client,
    received,
    ended,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

/** Writes `n` packets as Aedes does, each from its own tick (a callback chain), all within one loop turn. */
function writeAcrossTicks(socket: net.Socket, n: number, then?: () => void): void {
  let i = 0;
  const step = () => {
    mqttPacket.writeToStream(publishPacket(i++), socket);
    if (i < n) process.nextTick(step);
    else if (then) process.nextTick(then);
  };
  step();
}

describe('write coalescing per event-loop turn', () => {
  test('packets written from many ticks of one turn leave in one system call, in order', async () => {
    const plain = await socketPair();
    const coalesced = await socketPair();
    try {
      coalesceWrites(coalesced.server);
      const plainWrites = countWrites(plain.server);
      const coalescedWrites = countWrites(coalesced.server);
      writeAcrossTicks(plain.server, 50);
      writeAcrossTicks(coalesced.server, 50);
      await eventually(() => plain.received.length === 50 && coalesced.received.length === 50, 5000, 'all packets on both sockets');
      const expected = Array.from({ length: 50 }, (_, i) => `m${i}`);
      assert.deepEqual(coalesced.received, expected);
      assert.deepEqual(plain.received, expected);
      // Without coalescing mqtt-packet's own cork lasts one tick: one system call per packet.
      assert.equal(plainWrites.calls, 50);
      assert.equal(coalescedWrites.calls, 1);
    } finally {
      plain.close();
      coalesced.close();
    }
  });

  test('nothing is held past the turn: a lone packet goes out and the stream is uncorked', async () => {
    const pair = await socketPair();
    try {
      coalesceWrites(pair.server);
      const writes = countWrites(pair.server);
      for (let turn = 0; turn < 3; turn++) {
        mqttPacket.writeToStream(publishPacket(turn), pair.server);
        assert.equal(pair.server.writableCorked, 2, 'held for the rest of the turn');
        await new Promise((r) => setImmediate(r));
        assert.equal(pair.server.writableCorked, 0);
        await eventually(() => pair.received.length === turn + 1, 5000, `packet ${turn}`);
      }
      assert.deepEqual(pair.received, ['m0', 'm1', 'm2']);
      assert.equal(writes.calls, 3, 'one system call per turn');
    } finally {
      pair.close();
    }
  });

  test('every connection written in a turn is released at its end, each in one system call', async () => {
    const pairs = await Promise.all([socketPair(), socketPair(), socketPair()]);
    try {
      const writes = pairs.map((p) => {
        coalesceWrites(p.server);
        return countWrites(p.server);
      });
      // Interleaved, as a publish delivered to several subscribers is.
      for (let i = 0; i < 10; i++) for (const p of pairs) mqttPacket.writeToStream(publishPacket(i), p.server);
      await new Promise((r) => setImmediate(r));
      for (const p of pairs) assert.equal(p.server.writableCorked, 0);
      await eventually(() => pairs.every((p) => p.received.length === 10), 5000, 'every packet on every connection');
      assert.deepEqual(
        writes.map((w) => w.calls),
        [1, 1, 1],
      );
    } finally {
      for (const p of pairs) p.close();
    }
  });

  test('end() in the same turn sends every packet written before it, then closes', async () => {
    const pair = await socketPair();
    try {
      coalesceWrites(pair.server);
      writeAcrossTicks(pair.server, 20, () => pair.server.end());
      await pair.ended;
      assert.deepEqual(
        pair.received,
        Array.from({ length: 20 }, (_, i) => `m${i}`),
      );
    } finally {
      pair.close();
    }
  });

  test('destroy() with packets held drops them quietly; the release afterwards is harmless', async () => {
    const pair = await socketPair();
    try {
      coalesceWrites(pair.server);
      const errors: Error[] = [];
      pair.server.on('error', (e) => errors.push(e));
      const closed = new Promise((r) => pair.server.once('close', r));
      writeAcrossTicks(pair.server, 5, () => pair.server.destroy());
      await closed;
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(errors, []);
      assert.equal(pair.server.destroyed, true);
    } finally {
      pair.close();
    }
  });
});

describe('write coalescing in the broker', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => broker.close(1000));

  test('a burst to a WebSocket subscriber arrives complete and in order, several packets per WebSocket message', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, 'mqtt');
    const payloads: string[] = [];
    let frames = 0;
    let subacked!: () => void;
    const subscribed = new Promise<void>((r) => (subacked = r));
    const reader = new PacketReader((type, _flags, buf, start, end) => {
      if (type === SUBACK) subacked();
      if (type === PUBLISH) payloads.push(qos0Payload(buf, start, end));
    });
    ws.on('message', (data: Buffer) => {
      frames++;
      reader.push(data);
    });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    ws.send(connect('ws-burst-sub'));
    ws.send(subscribe(1, ['burst/ws', 0]));
    await subscribed;
    const framesBefore = frames;
    const pub = await connectClient(`mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`, { clientId: 'ws-burst-pub' });
    try {
      const n = 300;
      for (let i = 0; i < n; i++) pub.publish('burst/ws', `p${i}`, { qos: 0 });
      await eventually(() => payloads.length === n, 5000, 'every PUBLISH on the WebSocket');
      assert.deepEqual(
        payloads,
        Array.from({ length: n }, (_, i) => `p${i}`),
      );
      // One WebSocket message per written chunk would be ≥ 4 per PUBLISH; joined, a turn's packets share one.
      assert.ok(frames - framesBefore < n, `${frames - framesBefore} WebSocket messages for ${n} packets`);
    } finally {
      ws.close();
      await endAll(pub);
    }
  });

  test('a QoS 1 burst from an MQTT 5 publisher reaches MQTT 3.1.1 and 5 subscribers over TCP complete and in order', async () => {
    const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
    const sub4 = await connectClient(url, { clientId: 'burst-sub-4', protocolVersion: 4 });
    const sub5 = await connectClient(url, { clientId: 'burst-sub-5', protocolVersion: 5 });
    const pub = await connectClient(url, { clientId: 'burst-pub-5', protocolVersion: 5 });
    try {
      await sub4.subscribeAsync('burst/tcp', { qos: 1 });
      await sub5.subscribeAsync('burst/tcp', { qos: 1 });
      const got4: string[] = [];
      const got5: string[] = [];
      sub4.on('message', (_t, p) => got4.push(p.toString()));
      sub5.on('message', (_t, p) => got5.push(p.toString()));
      const n = 2000;
      await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync('burst/tcp', `q${i}`, { qos: 1 })));
      await eventually(() => got4.length === n && got5.length === n, 5000, 'every message at both subscribers');
      const expected = Array.from({ length: n }, (_, i) => `q${i}`);
      assert.deepEqual(got4, expected);
      assert.deepEqual(got5, expected);
    } finally {
      await endAll(sub4, sub5, pub);
    }
  });
});
