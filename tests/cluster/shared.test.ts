import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { Redis } from 'ioredis';
import { connectClient, endAll, withholdAcks } from '../support/mqtt.js';
import { eventually } from '../support/rules-broker.js';
import { CHANGES_CHANNEL, MEMBERS_KEY } from '../../broker/shared/cluster-link.js';
import { RedisServer } from './redis-server.js';
import { startNode, type TestNode } from './nodes.js';

/** The payloads a client receives from now on. */
function record(c: MqttClient): string[] {
  const got: string[] = [];
  c.on('message', (_topic, payload) => got.push(payload.toString()));
  return got;
}

describe('shared subscriptions across two nodes sharing one redis-server', () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  const clients: MqttClient[] = [];
  const client = async (node: TestNode, clientId: string, clean = true) => {
    const c = await connectClient(node.mqttUrl, { clientId, clean });
    clients.push(c);
    return c;
  };

  before(async () => {
    redis = await RedisServer.create();
    [a, b] = await Promise.all([startNode('share-a', redis.url), startNode('share-b', redis.url)]);
  });
  after(async () => {
    await endAll(...clients);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  test('a group with members on both nodes gets each message exactly once, whichever node it is published on', async () => {
    // c-b2 is a persistent session: its copies are queued in its session in Redis until acknowledged.
    const members = [await client(a, 'c-a1'), await client(a, 'c-a2'), await client(b, 'c-b1'), await client(b, 'c-b2', false)];
    const got = members.map(record);
    for (const m of members) await m.subscribeAsync('$share/g/c/#', { qos: 1 });
    const plain = await client(b, 'c-plain');
    const all = record(plain);
    await plain.subscribeAsync('c/#', { qos: 1 });
    await eventually(
      () => a.running.shared.members('g', 'c/#') === 4 && b.running.shared.members('g', 'c/#') === 4,
      10_000,
      'both nodes know the four members',
    );
    const pubA = await client(a, 'c-pub-a');
    const pubB = await client(b, 'c-pub-b');
    for (let i = 0; i < 40; i++) {
      await pubA.publishAsync('c/x', `a${i}`, { qos: 1 });
      await pubB.publishAsync('c/y', `b${i}`, { qos: 1 });
    }
    await eventually(() => got.flat().length >= 80 && all.length >= 80, 10_000, '80 messages to the group and to the plain subscriber');
    const received = got.flat().sort();
    assert.equal(received.length, 80, 'no message twice');
    assert.equal(new Set(received).size, 80);
    // Each node runs round robin over the same four members: 10 of each node's 40 messages per member.
    assert.deepEqual(
      got.map((g) => g.length),
      [20, 20, 20, 20],
    );
    assert.equal(all.length, 80, 'the plain subscriber got every message');
    const forwarded = a.running.shared.counters.forwarded + b.running.shared.counters.forwarded;
    assert.equal(forwarded, 40, 'half the picks were members on the other node');
  });

  test('a member that disconnects without acknowledging has its QoS 1 message redelivered on the other node', async () => {
    const silent = await client(b, 'd-silent');
    const unacked = withholdAcks(silent);
    await silent.subscribeAsync('$share/d/d/t', { qos: 1 });
    await eventually(() => a.running.shared.members('d', 'd/t') === 1, 10_000, 'node A knows the member on B');
    const pub = await client(a, 'd-pub');
    await pub.publishAsync('d/t', 'only', { qos: 1 });
    await eventually(() => unacked.length === 1, 10_000, 'the member on B got the message from A');
    const other = await client(a, 'd-other');
    const got = record(other);
    await other.subscribeAsync('$share/d/d/t', { qos: 1 });
    await eventually(() => b.running.shared.members('d', 'd/t') === 2, 10_000, 'node B knows the new member on A');
    silent.stream.destroy();
    await eventually(() => got.length === 1, 10_000, 'redelivered to the member on A');
    assert.deepEqual(got, ['only']);
    assert.equal(b.running.shared.counters.redispatched, 1);
  });

  test('leaving members are removed on every node', async () => {
    const m = await client(a, 'e-member');
    await m.subscribeAsync('$share/e/e/t');
    await eventually(() => b.running.shared.members('e', 'e/t') === 1, 10_000, 'B learns the join');
    await m.unsubscribeAsync('$share/e/e/t');
    await eventually(() => b.running.shared.members('e', 'e/t') === 0, 10_000, 'B learns the leave');
  });

  test('members of a node that is gone (it crashed) are dropped at the first message, which goes to a live member', async () => {
    const redisClient = new Redis(redis.url);
    try {
      // What a crashed node leaves behind: its member in the hash, announced to the others.
      await redisClient.hset(MEMBERS_KEY, JSON.stringify(['00000000-dead', 'ghost', 'f', 'f/t']), '1');
      await redisClient.publish(CHANGES_CHANNEL, JSON.stringify({ op: 'join', b: '00000000-dead', c: 'ghost', g: 'f', f: 'f/t', q: 1 }));
      const live = await client(b, 'f-live');
      const got = record(live);
      await live.subscribeAsync('$share/f/f/t', { qos: 1 });
      await eventually(() => a.running.shared.members('f', 'f/t') === 2, 10_000, 'A knows the ghost and the live member');
      const pub = await client(a, 'f-pub');
      for (let i = 0; i < 4; i++) await pub.publishAsync('f/t', `f${i}`, { qos: 1 });
      await eventually(() => got.length === 4, 10_000, 'every message reached the live member');
      assert.deepEqual(got.sort(), ['f0', 'f1', 'f2', 'f3']);
      assert.equal(a.running.shared.members('f', 'f/t'), 1, 'A dropped the ghost');
      await eventually(() => b.running.shared.members('f', 'f/t') === 1, 10_000, 'B dropped the ghost too');
      assert.equal(await redisClient.hexists(MEMBERS_KEY, JSON.stringify(['00000000-dead', 'ghost', 'f', 'f/t'])), 0, 'and it is gone from Redis');
    } finally {
      redisClient.disconnect();
    }
  });

  test('a node that shuts down takes its members out of every group, and the group carries on', async () => {
    const c = await startNode('share-c', redis.url);
    let closed = false;
    try {
      const gone = await connectClient(c.mqttUrl, { clientId: 'g-on-c' });
      clients.push(gone);
      const stays = await client(b, 'g-on-b');
      const got = record(stays);
      await gone.subscribeAsync('$share/g2/g/t', { qos: 1 });
      await stays.subscribeAsync('$share/g2/g/t', { qos: 1 });
      await eventually(() => a.running.shared.members('g2', 'g/t') === 2, 10_000, 'A knows both members');
      await c.close();
      closed = true;
      await eventually(() => a.running.shared.members('g2', 'g/t') === 1 && b.running.shared.members('g2', 'g/t') === 1, 10_000, 'the closed node left');
      const pub = await client(a, 'g-pub');
      for (let i = 0; i < 3; i++) await pub.publishAsync('g/t', `g${i}`, { qos: 1 });
      await eventually(() => got.length === 3, 10_000, 'the remaining member got every message');
    } finally {
      if (!closed) await c.close();
    }
  });
});
