import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import { httpGet, metricValue } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { RedisServer } from './redis-server.js';
import { startNode, type TestNode } from './nodes.js';
import { SeqPublisher, collectSequence, countSequence, deviceClient } from './sequence-stream.js';

const OUTAGE_MS = 5000;

describe('Redis killed for 5 s under a steady QoS 1 stream across two nodes', () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  const clients: MqttClient[] = [];

  before(async () => {
    redis = await RedisServer.create();
    [a, b] = await Promise.all([startNode('node-a', redis.url), startNode('node-b', redis.url)]);
  });

  after(async () => {
    await endAll(...clients);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  test('nodes stay up, report not-ready, serve local QoS 0, recover, and the QoS 1 stream is counted by sequence number', async (t) => {
    // Subscriber on B with a persistent session; publisher on A; both reconnect on their own.
    const sub = await deviceClient(b.mqttUrl, { clientId: 'seq-sub', clean: false });
    clients.push(sub);
    const received = collectSequence(sub, 'seq/');
    await sub.subscribeAsync('seq/#', { qos: 1 });

    const pub = new SeqPublisher(await deviceClient(a.mqttUrl, { clientId: 'seq-pub', clean: false }), (seq) => `seq/${seq % 4}`);
    clients.push(pub.client);
    let firstAfterRecovery = -1;
    // Two clean-session clients of node A, connected before the outage, exchange QoS 0 during it.
    const localSub = await connectClient(a.mqttUrl);
    const localPub = await connectClient(a.mqttUrl);
    clients.push(localSub, localPub);
    await localSub.subscribeAsync('local/#', { qos: 0 });

    pub.start(20);
    try {
      await eventually(() => received.length >= 40, 10_000, 'the stream to flow before the outage');

      await redis.kill();
      const killedAt = Date.now();

      // Not ready, with the reason, on both nodes; the gauges and error counters say why.
      for (const node of [a, b]) {
        await eventually(async () => (await httpGet(node.httpPort, '/readyz')).status === 503, 5000, `${node.name} /readyz 503`);
        const body = JSON.parse((await httpGet(node.httpPort, '/readyz')).text) as { reasons: string[] };
        assert.ok(
          body.reasons.some((r) => /^redis store connection \w+ for [\d.]+ s/.test(r)),
          body.reasons.join('; '),
        );
        const metrics = (await httpGet(node.httpPort, '/metrics')).text;
        assert.equal(metricValue(metrics, 'rulemq_cluster_redis_up', 'connection="store"'), 0);
        // A killed server closes the socket cleanly; the refused reconnects are the counted errors.
        await eventually(
          async () => {
            const m = (await httpGet(node.httpPort, '/metrics')).text;
            return (
              metricValue(m, 'rulemq_cluster_redis_errors_total', 'connection="store",kind="connection"') >= 1 &&
              metricValue(m, 'rulemq_cluster_redis_reconnects_total', 'connection="store"') >= 1
            );
          },
          5000,
          `${node.name} counts refused reconnects`,
        );
      }

      // A new connection needs its session from Redis: closed before CONNACK (clients retry), counted.
      const newcomer = mqtt.connect(a.mqttUrl, { clientId: 'newcomer', reconnectPeriod: 0 });
      let connacked = false;
      newcomer.on('connect', () => (connacked = true));
      newcomer.on('error', () => undefined);
      await new Promise<void>((resolve) => newcomer.once('close', () => resolve()));
      assert.equal(connacked, false);
      newcomer.end(true);
      // (The publisher's own reconnect attempts are refused and counted too.)
      assert.ok(metricValue((await httpGet(a.httpPort, '/metrics')).text, 'rulemq_cluster_connects_refused_total') >= 1);

      // Connected clients of node A still get QoS 0 from each other while Redis is away; the store and
      // publish connections queue nothing meanwhile (no offline queue), so memory stays flat.
      const got = nextMessages(localSub, 200, 10_000);
      for (let i = 0; i < 200; i++) localPub.publish('local/t', `l${i}`, { qos: 0 });
      assert.equal((await got).length, 200);
      const queues = (role: 'store' | 'publish' | 'subscribe') =>
        (a.cluster.connections[role] as unknown as { offlineQueue: { length: number } }).offlineQueue.length;
      assert.equal(queues('store'), 0);
      assert.equal(queues('publish'), 0);
      assert.equal(queues('subscribe'), 0);
      const metricsA = (await httpGet(a.httpPort, '/metrics')).text;
      assert.ok(metricValue(metricsA, 'rulemq_cluster_local_only_deliveries_total') >= 200);

      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - killedAt))));
      await redis.start();
      const restartedAt = Date.now();
      for (const node of [a, b]) await eventually(async () => (await httpGet(node.httpPort, '/readyz')).status === 200, 15_000, `${node.name} ready again`);
      firstAfterRecovery = pub.total;
      t.diagnostic(`outage ${restartedAt - killedAt} ms; nodes ready ${Date.now() - restartedAt} ms after the restart`);

      // One more second of traffic after recovery, then stop and let the publisher drain its retries.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      pub.stop();
    }
    const total = pub.total;
    await eventually(() => pub.acked.size === total, 20_000, `all ${total} QoS 1 messages acknowledged (have ${pub.acked.size})`);

    // Messages queued in Redis for the subscriber (it may have missed live ones while B resubscribed)
    // come with a reconnect of its persistent session.
    await eventually(() => received.includes(total - 1), 10_000, 'the last message at the subscriber');
    await sub.endAsync();
    const again = await deviceClient(b.mqttUrl, { clientId: 'seq-sub', clean: false });
    clients.push(again);
    collectSequence(again, 'seq/', received);
    await again.subscribeAsync('seq/#', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));

    const { missing: lost, duplicates } = countSequence(total, pub.acked, received);
    const metricsAfter = (await httpGet(a.httpPort, '/metrics')).text;
    const refused = metricValue(metricsAfter, 'rulemq_cluster_publishes_refused_total', 'qos="1"');
    const retried = metricValue(metricsAfter, 'rulemq_cluster_store_retries_total');
    t.diagnostic(
      `published ${total}, acknowledged ${pub.acked.size}, received ${received.length}, lost ${lost.length} [${lost.join(',')}], duplicates ${duplicates}, refused while down ${refused}, store writes retried ${retried}, resent by the app after a client error ${pub.appRetries}`,
    );

    // What the design guarantees: no node crashed, everything published after recovery arrived,
    // and QoS 1 PUBLISH was refused (not acknowledged and dropped) while the store was down.
    for (const node of [a, b]) assert.equal((await httpGet(node.httpPort, '/healthz')).status, 200);
    const lostAfterRecovery = lost.filter((s) => s >= firstAfterRecovery);
    assert.deepEqual(lostAfterRecovery, [], 'messages published after recovery must all arrive');
    assert.ok(refused >= 1, 'QoS 1 PUBLISH must be refused while Redis is down');
  });
});
