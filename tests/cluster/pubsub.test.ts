import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextMessages } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { RedisServer } from './redis-server.js';
import { RULE_ONCE, startNode, suiteClients, type TestNode } from './nodes.js';
import { PROTOCOLS, persistentSession } from '../support/protocols.js';

describe('three nodes sharing one redis-server', () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  const clients = suiteClients();
  const client = clients.connect;

  before(async () => {
    redis = await RedisServer.create();
    [a, b, c] = await Promise.all([
      startNode('node-a', redis.url, { rules: RULE_ONCE }),
      startNode('node-b', redis.url, { rules: RULE_ONCE }),
      startNode('node-c', redis.url, { rules: RULE_ONCE }),
    ]);
  });

  after(async () => {
    await clients.endAll();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    await redis?.stop();
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    const p = `v${protocolVersion}/`;
    test(`${label}: a PUBLISH on node B reaches subscribers on nodes A and C at QoS 0, 1 and 2`, async () => {
      const subA = await client(a, { protocolVersion });
      const subC = await client(c, { protocolVersion });
      await subA.subscribeAsync(`${p}x/#`, { qos: 2 });
      await subC.subscribeAsync(`${p}x/#`, { qos: 2 });
      const pub = await client(b, { protocolVersion });
      const gotA = nextMessages(subA, 3);
      const gotC = nextMessages(subC, 3);
      await pub.publishAsync(`${p}x/0`, 'zero', { qos: 0 });
      await pub.publishAsync(`${p}x/1`, 'one', { qos: 1 });
      await pub.publishAsync(`${p}x/2`, 'two', { qos: 2 });
      for (const got of [await gotA, await gotC]) {
        const sorted = got.map((m) => `${m.topic}=${m.payload}@${m.qos}`).sort();
        assert.deepEqual(sorted, [`${p}x/0=zero@0`, `${p}x/1=one@1`, `${p}x/2=two@2`]);
      }
    });

    test(`${label}: a retained message set through node A is delivered on SUBSCRIBE at node B`, async () => {
      const pub = await client(a, { protocolVersion });
      await pub.publishAsync(`${p}state/lamp`, 'on', { qos: 1, retain: true });
      const sub = await client(b, { protocolVersion });
      const got = nextMessages(sub, 1);
      await sub.subscribeAsync(`${p}state/+`, { qos: 1 });
      assert.deepEqual(await got, [{ topic: `${p}state/lamp`, payload: 'on', retain: true, qos: 1 }]);
    });

    test(`${label}: a persistent session moves from node A to node C and gets the messages queued while it was away`, async () => {
      const opts = { clientId: `mover-${protocolVersion}`, ...persistentSession(protocolVersion) };
      const first = await client(a, opts);
      await first.subscribeAsync(`${p}queue/#`, { qos: 1 });
      await first.endAsync();

      const pub = await client(b, { protocolVersion });
      for (let i = 0; i < 5; i++) await pub.publishAsync(`${p}queue/${i}`, `m${i}`, { qos: 1 });

      // Node B acknowledges a QoS 1 PUBLISH before it has queued it, so some may still be on their way
      // and arrive live: distinct payloads are compared.
      const { client: second, payloads: got } = await clients.resume(c, opts, `${p}queue/`);
      await eventually(() => got.size >= 5, 5000, 'the 5 queued messages');
      assert.deepEqual([...got].sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);

      // The subscription came back with the session: a new message reaches it on node C.
      const more = nextMessages(second, 1);
      await pub.publishAsync(`${p}queue/late`, 'late', { qos: 1 });
      assert.equal((await more)[0].payload, 'late');
    });
  }

  test('a rule runs once per message cluster-wide: only on the node the device published to', async () => {
    const watcher = await client(c);
    await watcher.subscribeAsync('echoed/#', { qos: 1 });
    const device = await client(a, { clientId: 'dev-1' });
    const echoes: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic.startsWith('echoed/')) echoes.push(payload.toString());
    });
    for (let i = 0; i < 10; i++) await device.publishAsync(`counted/${i}`, `p${i}`, { qos: 1 });
    await eventually(() => echoes.length >= 10, 10_000, '10 republished messages');

    const matched: Record<string, number> = {};
    for (const node of [a, b, c]) {
      const res = await httpGet(node.httpPort, '/api/v5/rules/once/metrics');
      assert.equal(res.status, 200);
      const body = JSON.parse(res.text) as { metrics: { matched: number }; node_metrics: Array<{ node: string }> };
      assert.equal(body.node_metrics[0].node, node.name);
      matched[node.name] = body.metrics.matched;
    }
    assert.deepEqual(matched, { 'node-a': 10, 'node-b': 0, 'node-c': 0 });
    // Nothing republished twice: wait for stragglers a little, then compare exactly.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(echoes.sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
  });

  test('a QoS 2 message id reused after a clean reconnect to another node is delivered (GHSA-p8r9-qf8w-p73r)', async () => {
    // The first session leaves a QoS 2 PUBLISH half done: stored, PUBREC sent, PUBREL never sent.
    const sub = await client(c);
    await sub.subscribeAsync('dedup/#', { qos: 2 });
    const raw = await rawQos2Publisher(a.mqttUrl, 'qos2-dev', 'dedup/t', 'first', 7);
    const firstSeen = nextMessages(sub, 1);
    await raw.pubrec;
    assert.equal((await firstSeen)[0].payload, 'first');
    raw.socket.destroy();

    // A new clean session with the same client id on node B reuses message id 7 for a new message.
    const second = await rawQos2Publisher(b.mqttUrl, 'qos2-dev', 'dedup/t', 'second', 7);
    const secondSeen = nextMessages(sub, 1, 5000);
    await second.pubrec;
    assert.equal((await secondSeen)[0].payload, 'second');
    second.socket.destroy();
  });

  test('/readyz is 200 and the cluster metrics report every Redis connection up', async () => {
    for (const node of [a, b, c]) {
      assert.equal((await httpGet(node.httpPort, '/readyz')).status, 200);
      const metrics = (await httpGet(node.httpPort, '/metrics')).text;
      for (const conn of ['store', 'publish', 'subscribe']) assert.match(metrics, new RegExp(`^rulemq_cluster_redis_up\\{connection="${conn}"\\} 1$`, 'm'));
      assert.match(metrics, new RegExp(`^rulemq_node_info\\{node="${node.name}",broker_id="${node.running.broker.id}"\\} 1$`, 'm'));
    }
  });
});

/**
 * A hand-written MQTT 3.1.1 client that sends CONNECT (clean) and one QoS 2 PUBLISH with a chosen
 * message id, and resolves `pubrec` when the broker answers PUBREC; it never sends PUBREL.
 */
async function rawQos2Publisher(url: string, clientId: string, topic: string, payload: string, messageId: number) {
  const { connect } = await import('node:net');
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  const str = (s: string) => {
    const b = Buffer.from(s);
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const packet = (header: number, body: Buffer) => Buffer.concat([Buffer.from([header, body.length]), body]);
  const connectBody = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 30]), str(clientId)]);
  const publishBody = Buffer.concat([str(topic), Buffer.from([messageId >> 8, messageId & 0xff]), Buffer.from(payload)]);
  let buffered = Buffer.alloc(0);
  const pubrec = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no PUBREC within 5 s')), 5000);
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      // CONNACK is 20 02 00 00; PUBREC is 50 02 <id>.
      for (let i = 0; i + 3 < buffered.length; i++) {
        if (buffered[i] === 0x50 && buffered[i + 1] === 2 && buffered.readUInt16BE(i + 2) === messageId) {
          clearTimeout(timer);
          resolve();
          return;
        }
      }
    });
    socket.once('error', reject);
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(packet(0x10, connectBody));
  socket.write(packet(0x34, publishBody));
  return { socket, pubrec };
}
