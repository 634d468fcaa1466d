import type { EventEmitter } from 'node:events';
import { Cluster, Redis, type ClusterOptions, type Command, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-url.js';
import type { Logger } from '../logger.js';

/** The three Redis connections of a node: the Aedes store, and the two halves of pub/sub. */
export type RedisRole = 'store' | 'publish' | 'subscribe';
export const REDIS_ROLES: readonly RedisRole[] = ['store', 'publish', 'subscribe'];

export interface ConnectionStats {
  /** Commands that failed (rejected while offline, lost with the connection, or answered with an error). */
  commandErrors: number;
  /** 'error' events of the connection (refused connects, resets), of every node for a Redis Cluster. */
  connectionErrors: number;
  /** Reconnect attempts scheduled by the backoff. */
  reconnects: number;
  /** When the connection last stopped being ready; null while ready. */
  downSince: number | null;
  /** The last connection error, cleared when the connection is ready again (shown on /readyz). */
  lastError: string | null;
}

export interface ConnectionLimits {
  /** Longest wait between reconnect attempts (the backoff doubles from 100 ms up to this). */
  maxBackoffMs: number;
}

/** Exponential backoff with ±20 % jitter, so nodes do not reconnect in lock-step after a Redis restart. */
export function backoffMs(attempt: number, maxMs: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), maxMs);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * ioredis options per role. Memory stays bounded while Redis is away:
 * - store and publish: no offline queue (a command fails at once instead of piling up), and the few
 *   commands in flight when the connection drops fail after one reconnect attempt.
 * - subscribe: SUBSCRIBE/UNSUBSCRIBE made during an outage must reach Redis afterwards, so they queue;
 *   at most one command per new topic filter (mqemitter-redis reference-counts filters), never per message.
 */
export function redisOptions(role: RedisRole, nodeName: string, limits: ConnectionLimits): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 5000,
    connectionName: `rulemq:${nodeName}:${role}`.replace(/[^\x21-\x7e]/g, '_'),
    retryStrategy: (attempt: number) => backoffMs(attempt, limits.maxBackoffMs),
    // CLIENT SETINFO needs Redis 7.2; older servers answer with an error on every connect.
    disableClientInfo: true,
  };
  if (role === 'subscribe') return { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true };
  // Every message is one PUBLISH: those issued in the same tick go out in one write, which Redis also
  // reads in one go (benchmarks/README.md: Redis CPU per message down to about a quarter).
  if (role === 'publish') return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true };
  return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/** How often a Cluster with a primary missing reads the slot map again (CLUSTER SLOTS to one node). */
export const SLOTS_REFRESH_MS = 2000;

/**
 * The same bounds for an ioredis Cluster. Its offline queue is the cluster-level one (the node
 * connections inside always queue, but only receive commands while connected or connecting).
 * Node connections keep ioredis' default of not reconnecting: a lost node leaves the pool, a
 * slot-map refresh (see watchShards, or ioredis' own on a MOVED) brings it back, and with every node gone the Cluster
 * itself reconnects with the backoff. (Reconnecting nodes would stay in the pool, and ioredis'
 * subscriber, which picks a new node from the pool as soon as its own connection ends, would then
 * spin through dead nodes while the whole Cluster is down.)
 *
 * Pub/sub stays classic (PUBLISH/PSUBSCRIBE through mqemitter-redis, see emitter.ts): every shard
 * forwards a PUBLISH over the cluster bus to its own subscribers. Redis 7 sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE) has no pattern subscriptions, and mqemitter-redis turns every `+`/`#`
 * filter into one; an exact-topic-only scheme would also need one SSUBSCRIBE per topic filter per
 * shard. So no sharded subscribers here (shared subscriptions use them for node channels only).
 */
export function clusterOptions(role: RedisRole, nodeName: string, limits: ConnectionLimits, node: RedisOptions): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, autoResubscribe, ...perNode } = redisOptions(role, nodeName, limits);
  return {
    lazyConnect,
    enableOfflineQueue,
    enableReadyCheck: true,
    clusterRetryStrategy: retryStrategy as (attempt: number) => number,
    redisOptions: { ...node, ...perNode },
  };
}

/** What rulemq adds to an ioredis client, whether a single Redis or a Cluster. */
export interface ConnectionWatch {
  readonly purpose: RedisRole;
  readonly stats: ConnectionStats;
  /** Commands go through: the connection (every shard's, for a Cluster) is ready. */
  readonly ready: boolean;
  /** The ioredis status, or which shard is down when a Cluster is otherwise connected. */
  readonly state: string;
  waitReady(timeoutMs: number): Promise<void>;
  retire(): void;
  release(): void;
  forceEnd(): void;
}

/** Emitted by a ConnectionWatch: 'link-up' when `ready` turns true, 'link-down' when it turns false. */
export type LinkEvent = 'link-up' | 'link-down';

/**
 * A node's connection for one role: an ioredis `Redis`, or an ioredis `Cluster` for redis-cluster://.
 * Typed as Redis: a Cluster answers the same commands, and what takes this connection
 * (mqemitter-redis, aedes-persistence-redis, shared subscriptions) works with either. Code that must
 * treat a Cluster differently checks `isCluster` and narrows with `asCluster`.
 */
export type ClusterConnection = Redis & ConnectionWatch;

/** The connection as the ioredis Cluster it is, or null for a single Redis. */
export function asCluster(conn: Redis): Cluster | null {
  return conn.isCluster ? (conn as unknown as Cluster) : null;
}

/** The surface of Redis and Cluster that the mixin below uses. */
interface ClientSurface extends EventEmitter {
  status: string;
  readonly isCluster: boolean;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  // biome-ignore lint/suspicious/noExplicitAny: Redis and Cluster differ in their trailing arguments.
  sendCommand(command: Command, ...rest: any[]): unknown;
}

/** The ioredis internals used below; both classes have them (ioredis 5). */
interface Internals {
  setStatus(s: string): void;
  flushQueue(err: Error): void;
  connectionPool?: { getInstanceByKey(key: string): Redis | undefined };
  refreshSlotsCache(callback: (err?: Error) => void): void;
}

// biome-ignore lint/suspicious/noExplicitAny: a TypeScript mixin's base constructor must take any[].
type ClientClass = new (...args: any[]) => ClientSurface;

/**
 * Adds failure counting, readiness and shutdown to `Base` (Redis or Cluster), so both behave alike
 * for the plugin, the store retry and the emitter. Every command promise gets a handler here:
 * aedes-persistence-redis fires some commands without awaiting them (putWill, delWill), and their
 * rejections while Redis is down would otherwise be unhandled and end the process.
 *
 * The constructor takes (role, logger, publish slot or null, ...the arguments of Base).
 */
function watched<T extends ClientClass>(Base: T) {
  return class WatchedConnection extends Base implements ConnectionWatch {
    readonly stats: ConnectionStats = { commandErrors: 0, connectionErrors: 0, reconnects: 0, downSince: Date.now(), lastError: null };
    readonly purpose: RedisRole;
    private wasReady = false;
    private up = false;
    private released = false;
    private nextReady: Promise<void> | null = null;
    /** Cluster only: the node keys (host:port) of the primaries that hold slots. */
    private primaries: readonly string[] = [];
    /** Cluster only: command promises already given their error counter (see firstSeen). */
    private readonly counted = new WeakSet<Promise<unknown>>();
    /** Cluster only: the pending slot-map refresh while a primary is missing. */
    private refreshTimer: NodeJS.Timeout | null = null;

    /** Cluster only: the hash slot whose primary carries every PUBLISH of this connection. */
    private readonly publishSlot: number | null;

    // biome-ignore lint/suspicious/noExplicitAny: see ClientClass.
    constructor(...args: any[]) {
      const [purpose, logger, publishSlot, ...rest] = args as [RedisRole, Logger, number | null, ...unknown[]];
      super(...rest);
      this.purpose = purpose;
      this.publishSlot = publishSlot;
      const onChange = () => this.recheck(logger);
      this.on('ready', onChange);
      this.on('close', onChange);
      this.on('reconnecting', () => {
        // A connection lost while the node shuts down (e.g. its QUIT never answered) stops here.
        if (this.released) this.forceEnd();
        else this.stats.reconnects++;
      });
      // Without an 'error' listener ioredis prints every failed reconnect; they are counted instead.
      this.on('error', (err: Error) => this.noteError(logger, err.message));
      if (this.isCluster) this.watchShards(logger, onChange);
      else this.on('end', () => this.afterEnd());
    }

    /** A single Redis (or a Sentinel-managed primary) that ended: close what the connector holds, and connect again unless asked to end. */
    private afterEnd(): void {
      // A Sentinel target's failover detector holds connections of its own to the Sentinels, closed
      // only by the connector: a connection ended by QUIT would leave them reconnecting for ever.
      (this as unknown as { connector: { disconnect(): void } }).connector.disconnect();
      if (this.released) return;
      // ioredis ends a connection for good when a reconnect is cut short: the failover detector of the
      // previous connection disconnects the connector while it is still asking Sentinel for the new
      // primary ("Connection is closed."). Nobody asked for this end, so connect again, after a backoff.
      this.stats.reconnects++;
      const retry = (this as unknown as Redis).options.retryStrategy as (attempt: number) => number;
      setTimeout(() => {
        if (!this.released && this.status === 'end') this.connect().catch(() => undefined);
      }, retry(1));
    }

    /** A Cluster is up when every primary holding slots is connected: a lost shard fails the commands of its slots. */
    private watchShards(logger: Logger, onChange: () => void): void {
      const cluster = this as unknown as Cluster;
      cluster.on('node error', (err: Error, key: string) => this.noteError(logger, `${key}: ${err.message}`));
      cluster.on('refresh', () => {
        this.primaries = [...new Set(cluster.slots.filter((s) => s?.length).map((s) => s[0]))];
        onChange();
      });
      // Node connections are lazy; connecting them lets readiness see every shard at once. Not before
      // the Cluster is ready: without an offline queue, its ready check fails on a node still connecting.
      const connectNode = (node: Redis) => {
        if (node.status === 'wait' && cluster.status === 'ready' && !this.released) node.connect().catch(() => undefined);
      };
      cluster.on('+node', (node: Redis) => {
        node.on('ready', onChange);
        node.on('close', onChange);
        connectNode(node);
      });
      cluster.on('ready', () => {
        for (const node of cluster.nodes('all')) connectNode(node);
      });
      // A lost primary leaves the pool, and ioredis only reads the slot map again on a MOVED (its
      // slotsRefreshInterval timer outlives disconnect() when a refresh is in flight): a shard that
      // comes back is looked for here, every SLOTS_REFRESH_MS while a primary is missing.
      const refresh = () => {
        this.refreshTimer = null;
        if (this.released || cluster.status !== 'ready') return;
        (cluster as unknown as Internals).refreshSlotsCache(() => {
          if (this.downPrimary() !== null) lookAgain();
        });
      };
      const lookAgain = () => {
        if (this.refreshTimer === null && !this.released) this.refreshTimer = setTimeout(refresh, SLOTS_REFRESH_MS).unref();
      };
      cluster.on('-node', () => {
        onChange();
        lookAgain();
      });
    }

    private noteError(logger: Logger, message: string): void {
      this.stats.connectionErrors++;
      this.stats.lastError = message;
      logger.debug({ connection: this.purpose, err: message }, 'redis connection error');
    }

    private recheck(logger: Logger): void {
      const now = this.ready;
      if (now === this.up) return;
      this.up = now;
      if (now) {
        const downMs = this.stats.downSince === null ? 0 : Date.now() - this.stats.downSince;
        if (this.wasReady) logger.info({ connection: this.purpose, downMs }, 'redis connection restored');
        this.wasReady = true;
        this.stats.downSince = null;
        this.stats.lastError = null;
        this.emit('link-up');
      } else {
        this.stats.downSince = Date.now();
        if (!this.released)
          logger.warn({ connection: this.purpose, err: this.stats.lastError ?? undefined }, 'redis connection lost; reconnecting with backoff');
        this.emit('link-down');
      }
    }

    get ready(): boolean {
      if (this.status !== 'ready') return false;
      return this.downPrimary() === null;
    }

    get state(): string {
      const down = this.status === 'ready' ? this.downPrimary() : null;
      if (down === null) return this.status;
      if (down === '') return 'ready but without a slot map yet';
      return `ready but shard ${down} ${(this as unknown as Internals).connectionPool?.getInstanceByKey(down)?.status ?? 'gone'}`;
    }

    /**
     * Cluster only: a primary holding slots whose connection is not ready, '' before the slot map is
     * known, null when all are ready (or not a Cluster).
     */
    private downPrimary(): string | null {
      if (!this.isCluster) return null;
      if (this.primaries.length === 0) return '';
      const pool = (this as unknown as Internals).connectionPool;
      for (const key of this.primaries) if (pool?.getInstanceByKey(key)?.status !== 'ready') return key;
      return null;
    }

    // biome-ignore lint/suspicious/noExplicitAny: Redis and Cluster differ in their trailing arguments.
    override sendCommand(command: Command, ...rest: any[]): unknown {
      // Aedes drops a message as a duplicate when it arrives after a later one from the same broker
      // (per client, it keeps the highest brokerCounter seen per broker id). A Cluster client sends
      // each keyless command to a random primary, and PUBLISHes entering the cluster through
      // different primaries can overtake each other on the cluster bus. Pinned to one slot's primary,
      // they share one connection and one bus link to each shard: their order holds.
      const args = this.publishSlot !== null && command.name === 'publish' && rest.length < 2 ? [rest[0], { slot: this.publishSlot }] : rest;
      const out = super.sendCommand(command, ...args);
      if (out instanceof Promise && this.firstSeen(out)) {
        out.catch(() => {
          this.stats.commandErrors++;
        });
      }
      return out;
    }

    /**
     * A Cluster sends a command queued offline through sendCommand a second time: its promise is counted
     * once. A single Redis sees each command once, so it keeps no set (this runs for every PUBLISH).
     */
    private firstSeen(out: Promise<unknown>): boolean {
      if (!this.isCluster) return true;
      if (this.counted.has(out)) return false;
      this.counted.add(out);
      return true;
    }

    /**
     * Resolves when the connection is ready; rejects after `timeoutMs` with the last connection error.
     * Waiters share one promise, so any number of them adds a single listener.
     */
    waitReady(timeoutMs: number): Promise<void> {
      if (this.ready) return Promise.resolve();
      this.nextReady ??= new Promise<void>((resolve) =>
        this.once('link-up', () => {
          this.nextReady = null;
          resolve();
        }),
      );
      if (this.status === 'wait') this.connect().catch(() => undefined);
      const next = this.nextReady;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(this.stats.lastError ?? `no answer within ${timeoutMs} ms`)), timeoutMs);
        void next.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    /** From now on the connection is not re-established; whoever holds it sends QUIT. */
    retire(): void {
      this.released = true;
      if (this.status === 'reconnecting') this.forceEnd();
    }

    /** Closes for good: QUIT when connected (pending replies arrive first), otherwise stop reconnecting now. */
    release(): void {
      this.released = true;
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      if (this.status === 'end') return;
      if (this.ready) this.quit().catch(() => this.forceEnd());
      else this.forceEnd();
    }

    /**
     * Stops at once. ioredis' disconnect() during a reconnect back-off clears the timer but never
     * reaches 'end' (a Redis has no socket left to close; a Cluster has no node left to drain), and
     * mqemitter-redis' close waits for 'end'. Both classes have setStatus and flushQueue.
     */
    forceEnd(): void {
      this.released = true;
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      if (this.status === 'end') return;
      this.disconnect();
      const stuck = this.isCluster ? (this as unknown as Cluster).nodes().length === 0 : this.status === 'reconnecting';
      if (stuck && this.status !== 'end') {
        const internals = this as unknown as Internals;
        internals.setStatus('end');
        internals.flushQueue(new Error('Connection is closed.'));
      }
    }
  };
}

const WatchedRedis = watched(Redis as unknown as ClientClass);
const WatchedCluster = watched(Cluster as unknown as ClientClass);

/** A connection for `role`: a single Redis (redis://, Sentinel) or a Cluster (redis-cluster://), unconnected. */
export function createConnection(target: RedisTarget, role: RedisRole, nodeName: string, limits: ConnectionLimits, logger: Logger): ClusterConnection {
  if (target.clusterNodes) {
    const nodes = target.clusterNodes.map((n) => ({ host: n.host, port: n.port }));
    return new WatchedCluster(
      role,
      logger,
      publishSlotOf(nodeName),
      nodes,
      clusterOptions(role, nodeName, limits, target.options),
    ) as unknown as ClusterConnection;
  }
  // ioredis reads a redis:// URL itself; a Sentinel target is all options (the URL is then undefined, which it skips).
  return new WatchedRedis(role, logger, null, target.url, { ...target.options, ...redisOptions(role, nodeName, limits) }) as unknown as ClusterConnection;
}

/**
 * The hash slot a node's PUBLISHes go through on a Redis Cluster: any slot keeps their order (see
 * sendCommand); one picked from the node name (FNV-1a) spreads the nodes' publishing over the shards.
 */
export function publishSlotOf(nodeName: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < nodeName.length; i++) h = Math.imul(h ^ nodeName.charCodeAt(i), 0x01000193) >>> 0;
  return h % 16384;
}
