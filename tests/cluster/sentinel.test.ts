import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { startSentinelGroup, type SentinelGroup } from './sentinel.js';
import { startNode, type TestNode } from './nodes.js';
import { parseRedisTarget, redactRedisUrl } from '../../broker/cluster/redis-url.js';
import { REDIS_ROLES } from '../../broker/cluster/connection.js';
import { recordStrayErrors } from '../support/stray-errors.js';

const stray = recordStrayErrors();
let redis: SentinelGroup;
const nodes: TestNode[] = [];

before(async () => {
  redis = await startSentinelGroup();
});

after(async () => {
  for (const n of nodes) await n.close();
  // The servers go only once every node connection has ended, so no reconnect races their exit.
  await eventually(() => nodes.every((n) => REDIS_ROLES.every((role) => n.cluster.connections[role].status === 'end')), 10_000, 'node connections ended');
  await redis?.stop();
  await new Promise((r) => setTimeout(r, 200));
  stray.none();
});

test('redis-sentinel:// URLs: Sentinels, primary name, passwords, db and TLS; passwords never printed', () => {
  const t = parseRedisTarget('redis-sentinel://:s3cret@10.0.0.1:26380,10.0.0.2/2#mymaster', 'sentpw');
  assert.equal(t.url, undefined);
  assert.deepEqual(t.options, {
    sentinels: [
      { host: '10.0.0.1', port: 26380 },
      { host: '10.0.0.2', port: 26379 },
    ],
    name: 'mymaster',
    password: 's3cret',
    sentinelPassword: 'sentpw',
    db: 2,
    failoverDetector: true,
  });
  assert.equal(parseRedisTarget('rediss-sentinel://h:1#m', null).options.enableTLSForSentinelMode, true);
  assert.equal(parseRedisTarget('redis://127.0.0.1:6379', null).url, 'redis://127.0.0.1:6379');
  assert.throws(
    () => parseRedisTarget('redis-sentinel://h:1', null),
    (e: Error & { code?: string }) => e.code === 'CLUSTER_REDIS_URL_INVALID' && /#mymaster/.test(e.message),
  );
  assert.equal(redactRedisUrl('redis-sentinel://:s3cret@h:1#m'), 'redis-sentinel://:***@h:1#m');
});

test('two nodes joined through Sentinel keep delivering across nodes after the primary fails and a replica is promoted', async () => {
  const url = redis.url;
  nodes.push(await startNode('s-a', url, { maxBackoffMs: 300 }), await startNode('s-b', url, { maxBackoffMs: 300 }));
  const [a, b] = nodes;
  const sub = await connectClient(b.mqttUrl, { clientId: 'sent-sub', reconnectPeriod: 200 });
  const pub = await connectClient(a.mqttUrl, { clientId: 'sent-pub', reconnectPeriod: 200 });
  try {
    await sub.subscribeAsync('sent/t', { qos: 1 });
    const first = nextMessages(sub, 1);
    await pub.publishAsync('sent/t', 'before', { qos: 1 });
    assert.equal((await first)[0].payload, 'before');

    await redis.primary.kill();
    await redis.promoted(30_000);
    for (const n of nodes) await eventually(async () => (await httpGet(n.httpPort, '/readyz')).status === 200, 20_000, `${n.name} ready again`);
    await eventually(
      async () => {
        const got = nextMessages(sub, 1, 1500).catch(() => null);
        await pub.publishAsync('sent/t', 'after', { qos: 1 }).catch(() => undefined);
        return (await got)?.[0]?.payload.toString() === 'after';
      },
      20_000,
      'a message published on node A reaches node B through the new primary',
    );
  } finally {
    await endAll(sub, pub);
  }
});
