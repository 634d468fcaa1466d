import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { endAll } from '../support/mqtt.js';
import { httpGet, metricValue } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { recordStrayErrors } from '../support/stray-errors.js';
import { REDIS_ROLES } from '../../broker/cluster/connection.js';
import { startSentinelGroup, type SentinelGroup } from './sentinel.js';
import { startNode, type TestNode } from './nodes.js';
import { SeqPublisher, collectSequence, countSequence, deviceClient } from './sequence-stream.js';

const stray = recordStrayErrors();
after(async () => {
  await new Promise((r) => setTimeout(r, 200));
  stray.none();
});

for (const [key, how, fail] of [
  // A crashed process: its sockets close at once.
  ['fk', 'killed', (r: SentinelGroup) => r.primary.kill()],
  // A host that stops answering: nothing but Sentinel's +switch-master tells the nodes.
  ['fz', 'frozen (it stops answering, its connections stay open)', (r: SentinelGroup) => r.freezePrimary()],
] as const) {
  describe(`primary ${how} under a QoS 1 stream`, () => {
    let redis: SentinelGroup;
    const nodes: TestNode[] = [];
    const clients: MqttClient[] = [];

    before(async () => {
      redis = await startSentinelGroup();
    });

    after(async () => {
      await endAll(...clients);
      await redis?.primary.kill(); // a frozen process ends on SIGKILL too
      for (const n of nodes) await n.close();
      await eventually(() => nodes.every((n) => REDIS_ROLES.every((role) => n.cluster.connections[role].status === 'end')), 10_000, 'node connections ended');
      await redis?.stop();
    });

    test(`no acknowledged message of a sequence from node A to node B is lost when the primary is ${how.split(' ')[0]} and Sentinel promotes the replica`, async (t) => {
      nodes.push(await startNode(`${key}-a`, redis.url, { maxBackoffMs: 300 }), await startNode(`${key}-b`, redis.url, { maxBackoffMs: 300 }));
      const [a, b] = nodes;

      // Persistent sessions on both ends, reconnecting on their own: MQTT.js resends its unacknowledged
      // publishes after a reconnect, and the subscriber's queue in Redis survives its reconnects.
      const sub = await deviceClient(b.mqttUrl, { clientId: `${key}-sub`, clean: false, reconnectPeriod: 100 });
      clients.push(sub);
      const received = collectSequence(sub, 'fo/');
      await sub.subscribeAsync('fo/seq', { qos: 1 });
      const pub = new SeqPublisher(await deviceClient(a.mqttUrl, { clientId: `${key}-pub`, clean: false, reconnectPeriod: 100 }), () => 'fo/seq');
      clients.push(pub.client);

      pub.start(5); // 200 msg/s
      let killedAt = 0;
      let promotedMs = 0;
      let readyMs = 0;
      try {
        await eventually(() => received.length >= 200, 10_000, 'the stream to flow before the failover');
        await fail(redis);
        killedAt = Date.now();
        await redis.promoted(30_000);
        promotedMs = Date.now() - killedAt;
        for (const n of nodes) {
          let why = '';
          await eventually(
            async () => {
              const r = await httpGet(n.httpPort, '/readyz');
              why = r.text;
              return r.status === 200;
            },
            20_000,
            `${n.name} ready again`,
          ).catch((err: Error) => {
            throw new Error(
              `${err.message}: ${why}; ${REDIS_ROLES.map((role) => `${role} ${n.cluster.connections[role].status}`).join(', ')}\n${n.logs.join('').slice(-3000)}`,
            );
          });
        }
        readyMs = Date.now() - killedAt;
        // The stream goes on through the new primary.
        const resumedFrom = pub.total;
        await eventually(() => received.some((s) => s >= resumedFrom), 10_000, 'messages published after the failover at the subscriber');
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        pub.stop();
      }

      const total = pub.total;
      await eventually(() => pub.acked.size === total, 20_000, `all ${total} messages acknowledged (have ${pub.acked.size})`);
      // Every acknowledged message reaches the subscriber without any help from the test.
      await eventually(() => countSequence(total, pub.acked, received).missing.length === 0, 10_000, 'every number at the subscriber').catch(() => undefined);

      const { lost, missing, duplicates } = countSequence(total, pub.acked, received);
      const metricsA = (await httpGet(a.httpPort, '/metrics')).text;
      t.diagnostic(
        `published ${total}, acknowledged ${pub.acked.size}, received ${received.length}, lost ${lost.length} [${lost.slice(0, 20).join(',')}], ` +
          `missing ${missing.length}, duplicates ${duplicates}; Sentinel promoted ${promotedMs} ms and /readyz 200 on both nodes ${readyMs} ms after the kill (a frozen primary is not noticed before the switch); ` +
          `resent by MQTT.js ${pub.resent}, by the app ${pub.appRetries}; on A: publishes refused ${metricValue(metricsA, 'rulemq_cluster_publishes_refused_total', 'qos="1"')}, ` +
          `PUBLISHes to Redis retried ${metricValue(metricsA, 'rulemq_cluster_publish_retries_total')}, connects refused ${metricValue(metricsA, 'rulemq_cluster_connects_refused_total')}; ` +
          `counters A ${JSON.stringify(a.cluster.counters)}, B ${JSON.stringify(b.cluster.counters)}`,
      );
      assert.deepEqual(lost, [], 'an acknowledged QoS 1 message never reached the subscriber');
      assert.deepEqual(missing, [], 'every published number arrives once acknowledged');
      for (const n of nodes) assert.equal((await httpGet(n.httpPort, '/healthz')).status, 200);
    });
  });
}
