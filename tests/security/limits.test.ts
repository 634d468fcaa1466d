import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';
import { openSession, type RawSession } from './support/session.js';
import { ack, connack, connect, levels, publish, subscribe, CONNACK_OK } from '../support/wire.js';
import { TokenBucket } from '../../broker/limits/token-bucket.js';
import mqtt from 'mqtt';
import { PROTOCOLS, persistentSession } from '../support/protocols.js';

async function limitHits(broker: RunningBroker, limit: string): Promise<number> {
  return metricValue((await httpGet(broker.ports.http, '/metrics')).text, 'rulemq_limit_hits_total', `limit="${limit}"`);
}

async function connected(broker: RunningBroker, id: string, o: Parameters<typeof connect>[1] = {}): Promise<RawSession> {
  const s = await openSession(broker, 'tcp');
  s.write(connect(id, o));
  assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
  return s;
}

describe('size and protocol limits', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker({ maxClientIdBytes: 30, maxKeepaliveSeconds: 100, maxTopicBytes: 50, maxTopicLevels: 8, maxInflightInbound: 3 });
  });
  after(async () => broker.close(1000));

  test('a client id longer than maxClientIdBytes gets CONNACK 0x02 and is counted', async () => {
    const s = await openSession(broker, 'tcp');
    s.write(connect('c'.repeat(31)));
    assert.equal((await s.read(4)).toString('hex'), connack(2).toString('hex'));
    assert.equal(await s.waitClosed(), true);
    assert.equal(await limitHits(broker, 'client_id_length'), 1);
    (await connected(broker, 'c'.repeat(30))).destroy();
  });

  test('a Keep Alive above maxKeepaliveSeconds gets CONNACK 0x02 (as mosquitto max_keepalive)', async () => {
    const s = await openSession(broker, 'tcp');
    s.write(connect('ka', { keepalive: 101 }));
    assert.equal((await s.read(4)).toString('hex'), connack(2).toString('hex'));
    assert.equal(await s.waitClosed(), true);
    assert.equal(await limitHits(broker, 'keepalive'), 1);
    (await connected(broker, 'ka-ok', { keepalive: 100 })).destroy();
  });

  test('a topic longer than maxTopicBytes or deeper than maxTopicLevels closes the connection', async () => {
    const a = await connected(broker, 'long');
    a.write(publish('t'.repeat(51)));
    assert.equal(await a.waitClosed(), true);
    const b = await connected(broker, 'deep');
    b.write(subscribe(1, [levels(9), 0]));
    assert.equal(await b.waitClosed(), true);
    assert.equal(await limitHits(broker, 'topic_length'), 1);
    assert.equal(await limitHits(broker, 'topic_levels'), 1);
    const c = await connected(broker, 'fits');
    c.write(publish(levels(8), { qos: 1, id: 1 }));
    assert.equal((await c.read(4)).toString('hex'), ack('puback', 1).toString('hex'));
    c.destroy();
  });

  test('more than maxInflightInbound QoS 2 messages awaiting PUBREL disconnects the client', async () => {
    const s = await connected(broker, 'qos2-hoarder');
    for (let id = 1; id <= 3; id++) {
      s.write(publish('hoard', { qos: 2, id }));
      assert.equal((await s.read(4)).toString('hex'), ack('pubrec', id).toString('hex'));
    }
    s.write(publish('hoard', { qos: 2, id: 4 }));
    assert.equal(await s.waitClosed(), true);
    assert.equal(await limitHits(broker, 'inflight_inbound'), 1);
  });

  test('a QoS 2 packet id left half-open by an earlier session is free again for a clean new session (GHSA-p8r9-qf8w-p73r)', async () => {
    const watcher = await connectClient(`mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`, { clientId: 'reuse-watch' });
    try {
      await watcher.subscribeAsync('reuse/t', { qos: 2 });
      const got: string[] = [];
      watcher.on('message', (_t, p) => got.push(p.toString()));
      const first = await connected(broker, 'reuser', { clean: false });
      first.write(publish('reuse/t', { qos: 2, id: 7, payload: 'first' }));
      assert.equal((await first.read(4)).toString('hex'), ack('pubrec', 7).toString('hex'));
      first.destroy(); // PUBREL never sent: the exchange stays half open in the session
      await new Promise((r) => setTimeout(r, 100));
      const second = await connected(broker, 'reuser'); // clean session: the old exchange is gone [MQTT-3.1.2-6]
      second.write(publish('reuse/t', { qos: 2, id: 7, payload: 'second' }));
      assert.equal((await second.read(4)).toString('hex'), ack('pubrec', 7).toString('hex'));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got, ['first', 'second']);
      second.destroy();
    } finally {
      await endAll(watcher);
    }
  });

  test('releasing QoS 2 messages frees their slots', async () => {
    const s = await connected(broker, 'qos2-polite');
    for (let id = 1; id <= 6; id++) {
      s.write(publish('polite', { qos: 2, id }));
      assert.equal((await s.read(4)).toString('hex'), ack('pubrec', id).toString('hex'));
      s.write(ack('pubrel', id));
      assert.equal((await s.read(4)).toString('hex'), ack('pubcomp', id).toString('hex'));
    }
    assert.equal(s.closed, false);
    s.destroy();
  });
});

describe('connection limits', () => {
  test('maxConnections closes connections beyond the limit at once, and admits again when one leaves', async () => {
    const broker = await startTestBroker({ maxConnections: 3 });
    try {
      const held = await Promise.all([1, 2, 3].map((i) => connected(broker, `held-${i}`)));
      const extra = await openSession(broker, 'tcp');
      assert.equal(await extra.waitClosed(), true);
      assert.equal(await limitHits(broker, 'max_connections'), 1);
      held[0].destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await connected(broker, 'again');
      again.destroy();
      for (const h of held) h.destroy();
    } finally {
      await broker.close(1000);
    }
  });

  test('maxConnectRate refuses a burst beyond the rate', async () => {
    const broker = await startTestBroker({ maxConnectRate: 5 });
    try {
      const sessions = await Promise.all(Array.from({ length: 30 }, () => openSession(broker, 'tcp')));
      const closed = await Promise.all(sessions.map((s) => s.waitClosed(1000)));
      const refused = closed.filter(Boolean).length;
      // 5 in the bucket plus 5 a second: even a slow machine cannot admit 30 in time.
      assert.ok(refused >= 10, `refused ${refused} of 30`);
      assert.equal(await limitHits(broker, 'connect_rate'), refused);
      for (const s of sessions) s.destroy();
    } finally {
      await broker.close(1000);
    }
  });
});

describe('publish rate', () => {
  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: a client publishing faster than maxPublishRate is slowed down, and nothing is lost`, async () => {
      const broker = await startTestBroker({ maxPublishRate: 10 });
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const sub = await connectClient(url, { clientId: 'rate-sub', protocolVersion });
      const pub = await connectClient(url, { clientId: 'rate-pub', protocolVersion });
      try {
        await sub.subscribeAsync('rate/t', { qos: 1 });
        const got: number[] = [];
        let firstAt = 0;
        const all = new Promise<number>((resolve) => {
          sub.on('message', (_t, payload) => {
            if (got.length === 0) firstAt = Date.now();
            got.push(Number(payload.toString()));
            if (got.length === 25) resolve(Date.now() - firstAt);
          });
        });
        for (let i = 0; i < 25; i++) pub.publish('rate/t', String(i), { qos: 0 });
        const spanMs = await all;
        assert.deepEqual(
          got,
          Array.from({ length: 25 }, (_, i) => i),
        );
        // A burst of 10, then 10 a second: the last 15 take at least 1.4 s (lower bound only).
        assert.ok(spanMs >= 1200, `25 messages arrived within ${spanMs} ms`);
        assert.ok((await limitHits(broker, 'publish_rate')) >= 10);
      } finally {
        await endAll(sub, pub);
        await broker.close(1000);
      }
    });
  }

  test('the token bucket refills at its rate and never holds more than its burst', () => {
    let now = 0;
    const b = new TokenBucket(10, 10, () => now);
    for (let i = 0; i < 10; i++) assert.equal(b.take(), 0);
    assert.equal(b.take(), 100); // the 11th token is due in 100 ms
    now += 1000;
    assert.equal(b.tryTake(), true);
    now += 60_000;
    for (let i = 0; i < 10; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
  });
});

describe('queued messages of persistent sessions', () => {
  let broker: RunningBroker;
  let url: string;
  before(async () => {
    broker = await startTestBroker({ maxQueuedMessages: 5 });
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  });
  after(async () => broker.close(1000));

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: an offline subscriber gets at most maxQueuedMessages when it returns; the rest are counted as dropped`, async () => {
      const before = await limitHits(broker, 'queued_messages');
      const first = await connectClient(url, { clientId: `offline-sub-${protocolVersion}`, ...persistentSession(protocolVersion) });
      await first.subscribeAsync(`queue/offline${protocolVersion}`, { qos: 1 });
      await first.endAsync();
      const pub = await connectClient(url, { clientId: 'offline-pub', protocolVersion });
      for (let i = 0; i < 12; i++) await pub.publishAsync(`queue/offline${protocolVersion}`, String(i), { qos: 1 });
      await endAll(pub);
      const got: string[] = [];
      // Listen before connecting: the queue is delivered right after CONNACK.
      const back = mqtt.connect(url, { clientId: `offline-sub-${protocolVersion}`, ...persistentSession(protocolVersion), reconnectPeriod: 0 });
      back.on('message', (_t, p) => got.push(p.toString()));
      await new Promise((resolve) => back.once('connect', resolve));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(got, ['0', '1', '2', '3', '4']);
      assert.equal((await limitHits(broker, 'queued_messages')) - before, 7);
      await endAll(back);
    });
  }

  test('a connected subscriber that withholds PUBACK gets at most maxQueuedMessages unacknowledged, stays connected, and resumes once it acknowledges', async () => {
    const before = await limitHits(broker, 'queued_messages');
    const s = await connected(broker, 'slow-acker', { clean: false });
    s.write(subscribe(1, ['queue/online', 1]));
    assert.equal((await s.read(5)).toString('hex'), '9003000101');
    const pub = await connectClient(url, { clientId: 'online-pub' });
    try {
      for (let i = 0; i < 8; i++) await pub.publishAsync('queue/online', String(i), { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      const ids: number[] = [];
      let rest = s.pending();
      while (rest.length > 0) {
        assert.equal(rest[0], 0x32, 'a QoS 1 PUBLISH');
        const len = rest[1];
        const topicLen = rest.readUInt16BE(2);
        ids.push(rest.readUInt16BE(4 + topicLen));
        rest = rest.subarray(2 + len);
      }
      assert.equal(ids.length, 5, 'five messages delivered, three dropped');
      assert.equal(s.closed, false, 'the slow subscriber is not disconnected');
      assert.equal((await limitHits(broker, 'queued_messages')) - before, 3);
      await s.read(s.pending().length);
      for (const id of ids) s.write(ack('puback', id));
      await new Promise((r) => setTimeout(r, 100));
      await pub.publishAsync('queue/online', 'after acks', { qos: 1 });
      const next = await s.read(2, 3000);
      assert.equal(next[0], 0x32, 'delivery resumes');
    } finally {
      s.destroy();
      await endAll(pub);
    }
  });
});
