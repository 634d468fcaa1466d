import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { connectClient, endAll } from '../support/mqtt.js';
import { eventually } from '../support/rules-broker.js';
import { RedisServer } from './redis-server.js';
import { startNode, type TestNode } from './nodes.js';
import { collectSequence, countSequence } from './sequence-stream.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;

before(async () => {
  redis = await RedisServer.create();
  [a, b] = await Promise.all([startNode('q-a', redis.url), startNode('q-b', redis.url)]);
});

after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

// A device that was away long (or a node backlog after a Redis failover) can have thousands of
// messages queued; all of them come at its next CONNECT, not the first thousand.
test('a persistent session with 2500 messages queued gets all of them when it reconnects, on another node', async () => {
  const N = 2500;
  const first = await connectClient(a.mqttUrl, { clientId: 'q-sub', clean: false });
  await first.subscribeAsync('q/t', { qos: 1 });
  await first.endAsync();

  const pub = await connectClient(a.mqttUrl, { clientId: 'q-pub' });
  const acked = new Set<number>();
  await Promise.all(Array.from({ length: N }, (_, i) => pub.publishAsync('q/t', String(i), { qos: 1 }).then(() => acked.add(i))));
  await pub.endAsync();

  // Listening before CONNACK: the queue follows it at once.
  const sub = mqtt.connect(b.mqttUrl, { clientId: 'q-sub', clean: false, reconnectPeriod: 0 });
  const received = collectSequence(sub, 'q/');
  try {
    await eventually(() => new Set(received).size >= N, 20_000, `all ${N} queued messages (have ${new Set(received).size})`).catch(() => undefined);
    const { lost, duplicates } = countSequence(N, acked, received);
    assert.equal(lost.length, 0, `${lost.length} queued messages not delivered (first ${lost[0]})`);
    assert.equal(duplicates, 0);
  } finally {
    await endAll(sub);
  }
});
