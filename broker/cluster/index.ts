import type { AedesOptions } from 'aedes';
import createRedisPersistence from 'aedes-persistence-redis';
import { redisCleanIncoming } from './clean-incoming.js';
import type { RulemqConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { createConnection, REDIS_ROLES, type ClusterConnection, type RedisRole } from './connection.js';
import { parseRedisTarget, redactRedisUrl } from './redis-url.js';
import { createRedisEmitter } from './emitter.js';
import { ClusterError } from './errors.js';
import { newClusterCounters } from './metrics.js';
import { retryStoreWrites } from './store-retry.js';
import { ClusterPlugin } from './plugin.js';

export { ClusterPlugin } from './plugin.js';
export { ClusterError, CLUSTER_ERROR_CODES } from './errors.js';

export interface Cluster {
  /** Pass to startRulemq as `aedes`: the Redis persistence and the Redis emitter. */
  readonly aedes: AedesOptions;
  /** Pass to startRulemq among the plugins: readiness, metrics, outage behaviour. */
  readonly plugin: ClusterPlugin;
  /** Pass to startRulemq as `sharedRedis`: shared subscription groups across nodes. */
  readonly store: ClusterConnection;
}

export interface ClusterTuning {
  /** How long start-up waits for Redis (default 10 s). */
  startupWaitMs?: number;
  /** Longest wait between reconnect attempts (default 2 s). */
  maxBackoffMs?: number;
  /** How long a failed store write of the publish path waits for Redis before it is given up (default 10 s). */
  storeRetryWindowMs?: number;
}

/**
 * Connects a node to the shared Redis when `redisUrl` is set (null otherwise): sessions,
 * subscriptions, retained messages and QoS 1/2 in-flight state in aedes-persistence-redis, and
 * every PUBLISH through mqemitter-redis so it reaches the subscribers of every node. Start-up
 * fails when Redis does not answer: a node without the shared state would serve a split view.
 */
export async function createCluster(config: RulemqConfig, logger: Logger, tuning: ClusterTuning = {}): Promise<Cluster | null> {
  const url = config.redisUrl;
  if (!url) return null;
  const target = parseRedisTarget(url, config.redisSentinelPassword);
  const limits = { maxBackoffMs: tuning.maxBackoffMs ?? 2000 };
  const conns = {} as Record<RedisRole, ClusterConnection>;
  for (const role of REDIS_ROLES) conns[role] = createConnection(target, role, config.nodeName, limits, logger);

  const waitMs = tuning.startupWaitMs ?? 10_000;
  try {
    await Promise.all(REDIS_ROLES.map((role) => conns[role].waitReady(waitMs)));
  } catch (err) {
    for (const role of REDIS_ROLES) conns[role].forceEnd();
    throw new ClusterError('CLUSTER_REDIS_UNREACHABLE', `cannot reach Redis at ${redactRedisUrl(url)} within ${waitMs} ms: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const counters = newClusterCounters();
  const mq = createRedisEmitter(conns.publish, conns.subscribe, counters, logger);
  // aedes-persistence-redis treats any truthy `cluster` as "on a Redis Cluster" and only opens a
  // client of its own when it is a node list: with our connection it then stores one key per
  // retained message (spread over the shards, found by SCAN on every primary) and avoids its
  // multi-key commands (MSET, DEL of two keys), which a Cluster refuses across hash slots.
  // A resumed session gets its whole queue: by default aedes-persistence-redis sends only the first
  // 1001 queued messages at a CONNECT, and the rest waited for the next reconnect (-1 is LRANGE's "to the end";
  // only the keys are read at once, each message is fetched as the client takes it).
  const persistence = createRedisPersistence({ conn: conns.store, maxSessionDelivery: -1, ...(target.clusterNodes ? { cluster: true } : {}) });
  persistence.cleanIncoming = redisCleanIncoming(conns.store);
  retryStoreWrites(persistence, conns.store, counters, tuning.storeRetryWindowMs ?? 10_000);

  // Aedes never destroys its persistence, and its emitter's close waits for QUIT replies that never
  // come while Redis is away. Once the broker has closed, every connection is ended here instead.
  const setup = persistence.setup.bind(persistence);
  persistence.setup = async function setupAndHookClose(broker: unknown): Promise<void> {
    (broker as { once(event: 'closed', fn: () => void): void }).once('closed', () => {
      for (const role of REDIS_ROLES) conns[role].retire();
      // After this tick the emitter has sent its QUITs; the store goes last (client closes may still write).
      setImmediate(() => {
        for (const role of REDIS_ROLES) if (role === 'store' || !conns[role].ready) conns[role].release();
      });
      setTimeout(() => {
        for (const role of REDIS_ROLES) conns[role].forceEnd();
      }, 3000).unref();
    });
    await setup(broker);
  };

  logger.info(
    { redis: redactRedisUrl(url), redisCluster: target.clusterNodes !== undefined },
    'cluster mode: sessions, retained messages and pub/sub through Redis',
  );
  return { aedes: { mq, persistence }, plugin: new ClusterPlugin(conns, counters, logger), store: conns.store };
}
