import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { loadConfig } from '../../broker/config/load.js';
import { createLogger } from '../../broker/logger.js';
import { createCluster, ClusterError, CLUSTER_ERROR_CODES } from '../../broker/cluster/index.js';
import { REDIS_ROLES } from '../../broker/cluster/connection.js';
import { RedisServer } from './redis-server.js';
import { startNode } from './nodes.js';

const silent = () => createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const configWith = (redisUrl: string) => loadConfig({ flags: { redisUrl }, env: {}, cwd: process.cwd() });

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('cluster set-up', () => {
  test('redisUrl comes from --redis-url, RULEMQ_REDIS_URL or the config file, and is null by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-cfg-'));
    writeFileSync(join(dir, 'rulemq.yaml'), 'redisUrl: redis://file:6379\n');
    assert.equal(loadConfig({ env: {}, cwd: dir }).redisUrl, null);
    assert.equal(loadConfig({ configFile: 'rulemq.yaml', env: {}, cwd: dir }).redisUrl, 'redis://file:6379');
    assert.equal(loadConfig({ configFile: 'rulemq.yaml', env: { RULEMQ_REDIS_URL: 'redis://env:6379' }, cwd: dir }).redisUrl, 'redis://env:6379');
    assert.equal(
      loadConfig({ configFile: 'rulemq.yaml', flags: { redisUrl: 'redis://flag:6379' }, env: { RULEMQ_REDIS_URL: 'redis://env:6379' }, cwd: dir }).redisUrl,
      'redis://flag:6379',
    );
  });

  test('without redisUrl there is no cluster: the node keeps Aedes in memory', async () => {
    assert.equal(await createCluster(loadConfig({ env: {}, cwd: process.cwd() }), silent()), null);
  });

  test('a redisUrl that is not redis:// or rediss:// stops start-up with CLUSTER_REDIS_URL_INVALID', async () => {
    for (const url of ['http://127.0.0.1:6379', 'not a url']) {
      await assert.rejects(createCluster(configWith(url), silent()), (err: unknown) => {
        assert.ok(err instanceof ClusterError);
        assert.equal(err.code, 'CLUSTER_REDIS_URL_INVALID');
        return true;
      });
    }
  });

  test('an unreachable Redis stops start-up with CLUSTER_REDIS_UNREACHABLE, password redacted', async () => {
    const port = await closedPort();
    await assert.rejects(createCluster(configWith(`redis://:s3cret@127.0.0.1:${port}`), silent(), { startupWaitMs: 500 }), (err: unknown) => {
      assert.ok(err instanceof ClusterError);
      assert.equal(err.code, 'CLUSTER_REDIS_UNREACHABLE');
      assert.match(err.message, new RegExp(`redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(err.message, /s3cret/);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  });

  test('every ClusterError code used under broker/cluster is listed in CLUSTER_ERROR_CODES', () => {
    const dir = fileURLToPath(new URL('../../../broker/cluster/', import.meta.url));
    const used = new Set<string>();
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, name), 'utf8').matchAll(/ClusterError\(\s*'([A-Z_]+)'/g)) used.add(m[1]);
    }
    assert.deepEqual([...used].sort(), ['CLUSTER_REDIS_UNREACHABLE', 'CLUSTER_REDIS_URL_INVALID', 'CLUSTER_STORE_DOWN']);
    for (const code of used) assert.ok(code in CLUSTER_ERROR_CODES, `${code} is not listed`);
  });
});

describe('a node whose Redis is gone', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.create();
  });
  after(async () => {
    await redis.stop();
  });

  test('closes within its grace time and ends all three Redis connections', async () => {
    const node = await startNode('lonely', redis.url);
    await redis.kill();
    const started = Date.now();
    await node.close();
    assert.ok(Date.now() - started < 5000, `close took ${Date.now() - started} ms`);
    // The connections end on the tick after Aedes closes.
    await new Promise((r) => setTimeout(r, 50));
    for (const role of REDIS_ROLES) assert.equal(node.cluster.connections[role].status, 'end', role);
    await redis.start();
  });
});
