import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { Cluster } from 'ioredis';
import { connectClient, endAll, nextMessages, recordMessages } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { PROTOCOLS, persistentSession } from '../support/protocols.js';
import { parseRedisTarget, redactRedisUrl } from '../../broker/cluster/redis-url.js';
import { redisCleanIncoming } from '../../broker/cluster/clean-incoming.js';
import { CHANGES_CHANNEL, MEMBERS_KEY } from '../../broker/shared/cluster-link.js';
import { ClusterError } from '../../broker/cluster/index.js';
import { publishSlotOf, REDIS_ROLES } from '../../broker/cluster/connection.js';
import { RedisClusterServers } from './redis-cluster.js';
import { RULE_ONCE, startNode, suiteClients, type TestNode } from './nodes.js';

describe('redis-cluster:// URLs', () => {
  test('nodes, user and password, TLS; the port defaults to 6379', () => {
    const t = parseRedisTarget('redis-cluster://app:s3cret@10.0.0.1:7000,10.0.0.2,[::1]:7002', null);
    assert.equal(t.url, undefined);
    assert.deepEqual(t.clusterNodes, [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
      { host: '::1', port: 7002 },
    ]);
    assert.deepEqual(t.options, { username: 'app', password: 's3cret' });
    assert.deepEqual(parseRedisTarget('rediss-cluster://:pw@h:1', null).options, { password: 'pw', tls: {} });
    assert.deepEqual(parseRedisTarget('redis-cluster://h:1', null).options, {});
    assert.equal(redactRedisUrl('redis-cluster://app:s3cret@h:1,h:2'), 'redis-cluster://app:***@h:1,h:2');
  });

  test('bad URLs stop start-up with CLUSTER_REDIS_URL_INVALID, a message saying how to write one, and no password', () => {
    const cases: Array<[string, RegExp]> = [
      ['redis-cluster://', /names at least one node/],
      ['redis-cluster://:s3cret@h:1,h:99999', /'h:99999' is not host\[:port\]/],
      ['redis-cluster://h:1,:2', /':2' is not host\[:port\]/],
      ['redis-cluster://:s3cret@h:1/2', /only database 0/],
      ['redis-cluster://h:1#mymaster', /no path, query or #name/],
      ['redis-clusters://h:1', /redis-cluster:\/\//],
    ];
    for (const [url, message] of cases) {
      assert.throws(
        () => parseRedisTarget(url, null),
        (e: unknown) => {
          assert.ok(e instanceof ClusterError, url);
          assert.equal(e.code, 'CLUSTER_REDIS_URL_INVALID');
          assert.match(e.message, message, url);
          assert.match(e.message, /redis-cluster:\/\//, url);
          assert.doesNotMatch(e.message, /s3cret/, url);
          return true;
        },
      );
    }
  });
});

describe('two nodes on a 3-primary Redis Cluster', () => {
  let servers: RedisClusterServers;
  let a: TestNode;
  let b: TestNode;
  const clients = suiteClients();
  const client = clients.connect;

  before(async () => {
    servers = await RedisClusterServers.create();
    // Node B names one node only: the client learns the others from the slot map.
    [a, b] = await Promise.all([
      startNode('rc-a', servers.url, { rules: RULE_ONCE }),
      startNode('rc-b', `redis-cluster://127.0.0.1:${servers.servers[1].port}`, { rules: RULE_ONCE }),
    ]);
  });

  after(async () => {
    await clients.endAll();
    await Promise.all([a?.close(), b?.close()]);
    await servers?.stop();
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    const p = `v${protocolVersion}/`;
    test(`${label}: a PUBLISH on node A reaches subscribers on node B at QoS 0, 1 and 2, through + and # filters`, async () => {
      const sub = await client(b, { protocolVersion });
      await sub.subscribeAsync([`${p}x/+/t`, `${p}y/#`], { qos: 2 });
      const pub = await client(a, { protocolVersion });
      const got = nextMessages(sub, 6);
      for (const qos of [0, 1, 2] as const) {
        await pub.publishAsync(`${p}x/${qos}/t`, `x${qos}`, { qos });
        await pub.publishAsync(`${p}y/${qos}/deep/er`, `y${qos}`, { qos });
      }
      const sorted = (await got).map((m) => `${m.topic}=${m.payload}@${m.qos}`).sort();
      assert.deepEqual(sorted, [`${p}x/0/t=x0@0`, `${p}x/1/t=x1@1`, `${p}x/2/t=x2@2`, `${p}y/0/deep/er=y0@0`, `${p}y/1/deep/er=y1@1`, `${p}y/2/deep/er=y2@2`]);
    });

    test(`${label}: retained messages set through node A, stored on several shards, are delivered on SUBSCRIBE at node B`, async () => {
      const pub = await client(a, { protocolVersion });
      const topics = Array.from({ length: 12 }, (_, i) => `${p}state/lamp-${i}`);
      for (const [i, t] of topics.entries()) await pub.publishAsync(t, `on-${i}`, { qos: 1, retain: true });
      // One key per retained topic, spread by hash slot: more than one shard holds some.
      const owners = new Set(await Promise.all(topics.map((t) => servers.ownerOf(`retained:${encodeURIComponent(t)}`))));
      assert.ok(owners.size >= 2, `the retained keys landed on ${owners.size} shard(s)`);
      // Aedes acknowledges before it stores: wait until the last one is readable.
      const last = topics[topics.length - 1];
      await eventually(
        async () =>
          (await servers.cli(await servers.ownerOf(`retained:${encodeURIComponent(last)}`), 'exists', `retained:${encodeURIComponent(last)}`)).trim() === '1',
        5000,
        'the last retained write',
      );

      const wild = await client(b, { protocolVersion });
      const gotWild = nextMessages(wild, topics.length);
      await wild.subscribeAsync(`${p}state/+`, { qos: 1 });
      assert.deepEqual((await gotWild).map((m) => `${m.topic}=${m.payload}`).sort(), topics.map((t, i) => `${t}=on-${i}`).sort());
      const exact = await client(b, { protocolVersion });
      const gotExact = nextMessages(exact, 1);
      await exact.subscribeAsync(topics[3], { qos: 1 });
      assert.deepEqual(await gotExact, [{ topic: topics[3], payload: 'on-3', retain: true, qos: 1 }]);

      // An empty retained payload clears it on its shard, seen from the other node.
      await pub.publishAsync(topics[3], '', { qos: 1, retain: true });
      await eventually(
        async () =>
          (
            await servers.cli(await servers.ownerOf(`retained:${encodeURIComponent(topics[3])}`), 'exists', `retained:${encodeURIComponent(topics[3])}`)
          ).trim() === '0',
        5000,
        'the cleared retained key',
      );
      const again = await client(b, { protocolVersion });
      const gotAgain = recordMessages(again);
      await again.subscribeAsync(`${p}state/#`, { qos: 1 });
      await eventually(() => gotAgain.length >= topics.length - 1, 5000, 'the retained messages left');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(gotAgain.length, topics.length - 1);
      assert.ok(!gotAgain.some((m) => m.topic === topics[3]));
    });

    test(`${label}: a persistent session moves from node A to node B and gets the messages queued while it was away`, async () => {
      const opts = { clientId: `rc-mover-${protocolVersion}`, ...persistentSession(protocolVersion) };
      const first = await client(a, opts);
      await first.subscribeAsync(`${p}queue/#`, { qos: 1 });
      await first.subscribeAsync(`${p}queue2/+`, { qos: 2 });
      await first.endAsync();

      const pub = await client(a, { protocolVersion });
      for (let i = 0; i < 5; i++) await pub.publishAsync(`${p}queue/${i}`, `m${i}`, { qos: 1 });
      for (let i = 0; i < 3; i++) await pub.publishAsync(`${p}queue2/${i}`, `q${i}`, { qos: 2 });

      const { client: second, payloads: got } = await clients.resume(b, opts, `${p}queue`);
      await eventually(() => got.size >= 8, 5000, 'the 8 queued messages');
      assert.deepEqual([...got].sort(), ['m0', 'm1', 'm2', 'm3', 'm4', 'q0', 'q1', 'q2']);

      // The subscriptions came back with the session: a new message reaches it on node B.
      const more = nextMessages(second, 1);
      await pub.publishAsync(`${p}queue/late`, 'late', { qos: 1 });
      assert.equal((await more)[0].payload, 'late');
    });
  }

  test('a stream of QoS 0 and 1 messages published on node A reaches node B complete and in order', async () => {
    // Aedes drops a message that arrives after a later one of the same node as a duplicate: the
    // PUBLISHes of one node must not overtake each other inside the Redis Cluster.
    const sub = await client(b);
    await sub.subscribeAsync('seq/#', { qos: 1 });
    const got = recordMessages(sub);
    const pub = await client(a);
    const sent: string[] = [];
    for (let i = 0; i < 300; i++) {
      sent.push(String(i));
      pub.publish(`seq/${i % 7}`, String(i), { qos: (i % 2) as 0 | 1 });
    }
    await eventually(() => got.length >= 300, 10_000, '300 messages');
    // Each QoS level keeps the publisher's order (the broker handles QoS 0 and 1 on different paths).
    for (const qos of [0, 1]) {
      assert.deepEqual(
        got.filter((m) => m.qos === qos).map((m) => m.payload),
        sent.filter((p) => Number(p) % 2 === qos),
      );
    }
  });

  test("every PUBLISH of a node enters the cluster through the primary of the node's own slot", async () => {
    // One entry point keeps a node's messages in order (see the test above); a Cluster client would
    // otherwise spread keyless commands over random primaries.
    await Promise.all(servers.servers.map((_, i) => servers.cli(i, 'config', 'resetstat')));
    const pub = await client(a);
    for (let i = 0; i < 60; i++) await pub.publishAsync(`pin/${i}`, 'x', { qos: 1 });
    const viaA = await servers.ownerOfSlot(publishSlotOf('rc-a'));
    const viaB = await servers.ownerOfSlot(publishSlotOf('rc-b'));
    const calls = await Promise.all(servers.servers.map((_, i) => servers.commandCalls(i, 'publish')));
    assert.ok(calls[viaA] >= 60, `PUBLISH calls per primary: ${calls.join(', ')}`);
    for (const [i, n] of calls.entries()) if (i !== viaA && i !== viaB) assert.equal(n, 0, `PUBLISH calls per primary: ${calls.join(', ')}`);
  });

  test('a rule runs once per message cluster-wide: only on the node the device published to', async () => {
    const watcher = await client(b);
    await watcher.subscribeAsync('echoed/#', { qos: 1 });
    const echoes: string[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic.startsWith('echoed/')) echoes.push(payload.toString());
    });
    const device = await client(a, { clientId: 'rc-dev-1' });
    for (let i = 0; i < 10; i++) await device.publishAsync(`counted/${i}`, `p${i}`, { qos: 1 });
    await eventually(() => echoes.length >= 10, 10_000, '10 republished messages');

    const matched: Record<string, number> = {};
    for (const node of [a, b]) {
      const res = await httpGet(node.httpPort, '/api/v5/rules/once/metrics');
      assert.equal(res.status, 200);
      matched[node.name] = (JSON.parse(res.text) as { metrics: { matched: number } }).metrics.matched;
    }
    assert.deepEqual(matched, { 'rc-a': 10, 'rc-b': 0 });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(echoes.sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
  });

  test('a shared group with members on both nodes gets each message exactly once', async () => {
    const members = [await client(a, { clientId: 'rc-s-a1' }), await client(a, { clientId: 'rc-s-a2' }), await client(b, { clientId: 'rc-s-b1' })];
    const got = members.map(recordMessages);
    for (const m of members) await m.subscribeAsync('$share/g/s/#', { qos: 1 });
    await eventually(() => a.running.shared.members('g', 's/#') === 3 && b.running.shared.members('g', 's/#') === 3, 10_000, 'both nodes know the 3 members');
    const pubA = await client(a);
    const pubB = await client(b);
    for (let i = 0; i < 30; i++) {
      await pubA.publishAsync('s/x', `a${i}`, { qos: 1 });
      await pubB.publishAsync('s/y', `b${i}`, { qos: 1 });
    }
    await eventually(() => got.flat().length >= 60, 10_000, '60 messages to the group');
    await new Promise((r) => setTimeout(r, 200));
    const received = got.flat().map((m) => m.payload);
    assert.equal(received.length, 60, 'no message twice');
    assert.equal(new Set(received).size, 60);
    // Round robin over the same 3 members on each node: 10 of each node's 30 messages per member.
    assert.deepEqual(
      got.map((g) => g.length),
      [20, 20, 20],
    );
    assert.ok(a.running.shared.counters.forwarded > 0 && b.running.shared.counters.forwarded > 0, 'both nodes forwarded to the other');
  });

  test('shared: the members of a node that is gone are dropped at the first message (the sharded PUBLISH reached nobody)', async () => {
    const redis = new Cluster([{ host: '127.0.0.1', port: servers.servers[0].port }], { lazyConnect: true });
    try {
      await redis.connect();
      await redis.hset(MEMBERS_KEY, JSON.stringify(['00000000-dead', 'ghost', 'f', 'f/t']), '1');
      await redis.publish(CHANGES_CHANNEL, JSON.stringify({ op: 'join', b: '00000000-dead', c: 'ghost', g: 'f', f: 'f/t', q: 1 }));
      const live = await client(b, { clientId: 'rc-f-live' });
      const got = recordMessages(live);
      await live.subscribeAsync('$share/f/f/t', { qos: 1 });
      await eventually(() => a.running.shared.members('f', 'f/t') === 2, 10_000, 'A knows the ghost and the live member');
      const pub = await client(a);
      for (let i = 0; i < 4; i++) await pub.publishAsync('f/t', `f${i}`, { qos: 1 });
      await eventually(() => got.length === 4, 10_000, 'every message reached the live member');
      assert.deepEqual(got.map((m) => m.payload).sort(), ['f0', 'f1', 'f2', 'f3']);
      assert.equal(a.running.shared.members('f', 'f/t'), 1, 'A dropped the ghost');
      await eventually(() => b.running.shared.members('f', 'f/t') === 1, 10_000, 'B dropped the ghost too');
    } finally {
      redis.disconnect();
    }
  });

  test('stale QoS 2 packet ids of a client id are cleaned on every shard, and only that client id', async () => {
    const redis = new Cluster([{ host: '127.0.0.1', port: servers.servers[0].port }], { lazyConnect: true });
    try {
      await redis.connect();
      const mine = Array.from({ length: 30 }, (_, i) => `incoming:${encodeURIComponent('rc/q*2')}:${i + 1}`);
      const other = `incoming:${encodeURIComponent('rc/q')}:1`;
      for (const k of [...mine, other]) await redis.set(k, 'x');
      const owners = new Set(await Promise.all(mine.map((k) => servers.ownerOf(k))));
      assert.ok(owners.size >= 2, `the keys landed on ${owners.size} shard(s)`);
      await redisCleanIncoming(a.cluster.connections.store)({ id: 'rc/q*2' });
      for (const k of mine) assert.equal(await redis.exists(k), 0, `${k} was deleted`);
      assert.equal(await redis.exists(other), 1, 'another client id keeps its packet');
    } finally {
      redis.disconnect();
    }
  });

  test('/readyz is 200 and the cluster metrics report every Redis connection up', async () => {
    for (const node of [a, b]) {
      assert.equal((await httpGet(node.httpPort, '/readyz')).status, 200);
      const metrics = (await httpGet(node.httpPort, '/metrics')).text;
      for (const conn of ['store', 'publish', 'subscribe']) assert.match(metrics, new RegExp(`^rulemq_cluster_redis_up\\{connection="${conn}"\\} 1$`, 'm'));
    }
  });
});

describe('a node on a Redis Cluster that loses a shard', () => {
  let servers: RedisClusterServers;
  let a: TestNode;
  before(async () => {
    servers = await RedisClusterServers.create();
    a = await startNode('rc-kill', servers.url, { maxBackoffMs: 200 });
  });
  after(async () => {
    await a?.close();
    await servers?.stop();
  });

  test('/readyz is 503 naming the shard while it is down, and 200 again once it is back', async () => {
    assert.equal((await httpGet(a.httpPort, '/readyz')).status, 200);
    const pub = await connectClient(a.mqttUrl);
    const victim = servers.servers[2];
    await victim.kill();
    await eventually(async () => (await httpGet(a.httpPort, '/readyz')).status === 503, 5000, '/readyz 503');
    const body = (await httpGet(a.httpPort, '/readyz')).text;
    assert.match(body, new RegExp(`shard 127\\.0\\.0\\.1:${victim.port}`));
    // While a shard is down the store is not ready: a QoS 1 PUBLISH gets no PUBACK (the client is
    // closed and resends it later), and a new CONNECT is closed before CONNACK.
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
    let acked = false;
    pub.publish('k/t', 'x', { qos: 1 }, (err) => {
      acked = !err;
    });
    await closed;
    assert.equal(acked, false);
    await endAll(pub);
    const newcomer = mqtt.connect(a.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5000 });
    let connected = false;
    newcomer.on('connect', () => {
      connected = true;
    });
    await new Promise<void>((resolve) => newcomer.once('close', () => resolve()));
    assert.equal(connected, false);
    await endAll(newcomer);

    // Same port, same nodes.conf: the node rejoins with its slots.
    await victim.start();
    await servers.waitOk(10_000);
    await eventually(async () => (await httpGet(a.httpPort, '/readyz')).status === 200, 10_000, '/readyz 200 again');
    const sub = await connectClient(a.mqttUrl);
    await sub.subscribeAsync('k/#', { qos: 1 });
    const got = nextMessages(sub, 1);
    const pub2 = await connectClient(a.mqttUrl);
    await pub2.publishAsync('k/t', 'back', { qos: 1 });
    assert.equal((await got)[0].payload, 'back');
    await endAll(sub, pub2);
  });

  test('with every shard gone, the node still closes within its grace time and ends all three connections', async () => {
    await Promise.all(servers.servers.map((s) => s.kill()));
    await eventually(async () => (await httpGet(a.httpPort, '/readyz')).status === 503, 5000, '/readyz 503');
    // Let the Clusters reach their reconnect back-off (no node left in their pools).
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    await a.close();
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
    await new Promise((r) => setTimeout(r, 50));
    for (const role of REDIS_ROLES) assert.equal(a.cluster.connections[role].status, 'end', role);
  });
});
