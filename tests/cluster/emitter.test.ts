import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../broker/logger.js';
import { createConnection, type ClusterConnection, type RedisRole } from '../../broker/cluster/connection.js';
import { createRedisEmitter, type EmitterCounters } from '../../broker/cluster/emitter.js';
import { parseRedisTarget } from '../../broker/cluster/redis-url.js';
import { eventually } from '../support/rules-broker.js';
import { RedisServer } from './redis-server.js';

type Message = { topic: string; qos: number; payload: string };
type Emitter = ReturnType<typeof createRedisEmitter>;
interface Side {
  emitter: Emitter;
  counters: EmitterCounters;
  conns: ClusterConnection[];
  got: string[];
}

const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));

/** One node's pub/sub half: its publish and subscribe connections and the emitter over them, listening on `t/#`. */
async function side(redis: RedisServer, name: string, retryWindowMs: number): Promise<Side> {
  const target = parseRedisTarget(redis.url, null);
  const conn = (role: RedisRole) => createConnection(target, role, name, { maxBackoffMs: 100 }, logger);
  const pub = conn('publish');
  const sub = conn('subscribe');
  await Promise.all([pub.waitReady(5000), sub.waitReady(5000)]);
  const counters: EmitterCounters = { localOnly: 0, errors: 0, publishRetries: 0 };
  const emitter = createRedisEmitter(pub, sub, counters, logger, retryWindowMs);
  const got: string[] = [];
  await new Promise<void>((resolve) =>
    (emitter as unknown as { on(t: string, f: (m: Message, cb: () => void) => void, done: () => void): void }).on(
      't/#',
      (m, cb) => {
        got.push(m.payload);
        cb();
      },
      resolve,
    ),
  );
  return { emitter, counters, conns: [pub, sub], got };
}

function emit(s: Side, message: Message): { done: Promise<void>; settled: () => boolean } {
  let settled = false;
  const done = new Promise<void>((resolve) =>
    s.emitter.emit(message, () => {
      settled = true;
      resolve();
    }),
  );
  return { done, settled: () => settled };
}

describe('the Redis emitter while Redis is away', () => {
  let redis: RedisServer;
  let a: Side;
  let b: Side;

  before(async () => {
    redis = await RedisServer.create();
  });
  beforeEach(async () => {
    if (a) for (const c of [...a.conns, ...b.conns]) c.forceEnd();
    a = await side(redis, 'em-a', 3000);
    b = await side(redis, 'em-b', 3000);
  });
  after(async () => {
    for (const c of [...a.conns, ...b.conns]) c.forceEnd();
    await redis.stop();
  });

  test('a QoS 1 message whose publish connection is down waits for it and then reaches every node, not this node only', async () => {
    const [pub] = a.conns;
    pub.disconnect(true); // closes the socket and reconnects after the backoff, as after a lost connection
    await eventually(() => !pub.ready, 5000, "node A's publish connection down");
    const pending = emit(a, { topic: 't/1', qos: 1, payload: 'q1' });
    assert.equal(pending.settled(), false, 'the publish is held while the publish connection is down');
    await pending.done;
    await eventually(() => b.got.includes('q1') && a.got.includes('q1'), 5000, 'q1 on both nodes');
    assert.deepEqual([a.got, b.got], [['q1'], ['q1']], 'once on each node');
    assert.equal(a.counters.localOnly, 0);
    assert.ok(a.counters.publishRetries >= 1, `${a.counters.publishRetries} retries`);
  });

  test('a QoS 0 message is delivered on this node at once and not retried', async () => {
    await redis.kill();
    await eventually(() => !a.conns[0].ready, 5000, 'node A sees Redis gone');
    await emit(a, { topic: 't/0', qos: 0, payload: 'q0' }).done;
    assert.deepEqual(a.got, ['q0']);
    assert.equal(a.counters.localOnly, 1);
    assert.equal(a.counters.publishRetries, 0);
    await redis.start();
  });

  test('after the retry window a QoS 1 message is delivered on this node only, and counted', async () => {
    for (const c of [...a.conns, ...b.conns]) c.forceEnd();
    a = await side(redis, 'em-a', 200);
    b = await side(redis, 'em-b', 200);
    await redis.kill();
    await eventually(() => !a.conns[0].ready, 5000, 'node A sees Redis gone');
    await emit(a, { topic: 't/w', qos: 1, payload: 'late' }).done;
    assert.deepEqual(a.got, ['late']);
    assert.equal(a.counters.localOnly, 1);
    assert.ok(a.counters.publishRetries >= 1);
    await redis.start();
  });
});
