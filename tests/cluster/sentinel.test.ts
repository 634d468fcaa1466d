import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { RedisServer, freePort, waitForPing } from './redis-server.js';
import { startNode, type TestNode } from './nodes.js';
import { parseRedisTarget, redactRedisUrl } from '../../broker/cluster/redis-url.js';
import { REDIS_ROLES } from '../../broker/cluster/connection.js';
import { recordStrayErrors } from '../support/stray-errors.js';

/** A redis-server in Sentinel mode watching `primaryPort` as `mymaster`, with a short down-after. */
async function startSentinel(primaryPort: number): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 1`,
      'sentinel down-after-milliseconds mymaster 1000',
      'sentinel failover-timeout mymaster 5000',
      'sentinel parallel-syncs mymaster 1',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server --sentinel exited with ${code}: ${output.join('').slice(-500)}`)));
  });
  exited.catch(() => undefined);
  await Promise.race([waitForPing(port, 10_000), exited]);
  return {
    port,
    stop: () => {
      process.off('exit', reap);
      child.kill('SIGKILL');
    },
  };
}

const stray = recordStrayErrors();
let primary: RedisServer;
let replica: RedisServer;
let sentinel: { port: number; stop(): void };
const nodes: TestNode[] = [];

before(async () => {
  // No 5 s wait before the replica's first full sync (the diskless default).
  primary = await RedisServer.create(() => ['--repl-diskless-sync-delay', '0']);
  replica = await RedisServer.create(() => ['--replicaof', '127.0.0.1', String(primary.port)]);
  const r = new Redis(replica.port, '127.0.0.1');
  await eventually(async () => /master_link_status:up/.test(await r.info('replication')), 10_000, 'the replica is in sync');
  r.disconnect();
  sentinel = await startSentinel(primary.port);
});

after(async () => {
  for (const n of nodes) await n.close();
  // The servers go only once every node connection has ended, so no reconnect races their exit.
  await eventually(() => nodes.every((n) => REDIS_ROLES.every((role) => n.cluster.connections[role].status === 'end')), 10_000, 'node connections ended');
  sentinel?.stop();
  await replica?.stop();
  await primary?.stop();
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
  const url = `redis-sentinel://127.0.0.1:${sentinel.port}#mymaster`;
  nodes.push(await startNode('s-a', url, { maxBackoffMs: 300 }), await startNode('s-b', url, { maxBackoffMs: 300 }));
  const [a, b] = nodes;
  const sub = await connectClient(b.mqttUrl, { clientId: 'sent-sub', reconnectPeriod: 200 });
  const pub = await connectClient(a.mqttUrl, { clientId: 'sent-pub', reconnectPeriod: 200 });
  try {
    await sub.subscribeAsync('sent/t', { qos: 1 });
    const first = nextMessages(sub, 1);
    await pub.publishAsync('sent/t', 'before', { qos: 1 });
    assert.equal((await first)[0].payload, 'before');

    await primary.kill();
    const s = new Redis(sentinel.port, '127.0.0.1');
    try {
      await eventually(
        async () => Number(((await s.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')) as string[])[1]) === replica.port,
        30_000,
        'Sentinel promotes the replica',
      );
    } finally {
      s.disconnect();
    }
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
