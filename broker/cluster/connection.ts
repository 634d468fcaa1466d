import { Redis, type Command, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-url.js';
import type { Logger } from '../logger.js';

/** The three Redis connections of a node: the Aedes store, and the two halves of pub/sub. */
export type RedisRole = 'store' | 'publish' | 'subscribe';
export const REDIS_ROLES: readonly RedisRole[] = ['store', 'publish', 'subscribe'];

export interface ConnectionStats {
  /** Commands that failed (rejected while offline, lost with the connection, or answered with an error). */
  commandErrors: number;
  /** 'error' events of the connection (refused connects, resets). */
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
  return { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/**
 * An ioredis connection that counts its failures and tracks readiness. Every command promise gets a
 * handler here: aedes-persistence-redis fires some commands without awaiting them (putWill, delWill),
 * and their rejections while Redis is down would otherwise be unhandled and end the process.
 */
export class ClusterConnection extends Redis {
  readonly stats: ConnectionStats = { commandErrors: 0, connectionErrors: 0, reconnects: 0, downSince: Date.now(), lastError: null };
  private wasReady = false;
  private released = false;

  constructor(
    target: RedisTarget,
    readonly purpose: RedisRole,
    options: RedisOptions,
    logger: Logger,
  ) {
    // ioredis reads a redis:// URL itself; a Sentinel target is all options (the URL is then undefined, which it skips).
    super(target.url as string, { ...target.options, ...options });
    this.on('ready', () => {
      const downMs = this.stats.downSince === null ? 0 : Date.now() - this.stats.downSince;
      if (this.wasReady) logger.info({ connection: purpose, downMs }, 'redis connection restored');
      this.wasReady = true;
      this.stats.downSince = null;
      this.stats.lastError = null;
    });
    this.on('close', () => {
      if (this.stats.downSince !== null) return;
      this.stats.downSince = Date.now();
      if (!this.released) logger.warn({ connection: purpose, err: this.stats.lastError ?? undefined }, 'redis connection lost; reconnecting with backoff');
    });
    this.on('reconnecting', () => {
      // A connection lost while the node shuts down (e.g. its QUIT never answered) stops here.
      if (this.released) this.forceEnd();
      else this.stats.reconnects++;
    });
    this.on('end', () => {
      // A Sentinel target's failover detector holds connections of its own to the Sentinels, closed
      // only by the connector: a connection ended by QUIT would leave them reconnecting for ever.
      (this as unknown as { connector: { disconnect(): void } }).connector.disconnect();
      if (this.released) return;
      // ioredis ends a connection for good when a reconnect is cut short: the failover detector of the
      // previous connection disconnects the connector while it is still asking Sentinel for the new
      // primary ("Connection is closed."). Nobody asked for this end, so connect again, after a backoff.
      this.stats.reconnects++;
      const delay = (options.retryStrategy as (attempt: number) => number)(1);
      setTimeout(() => {
        if (!this.released && this.status === 'end') this.connect().catch(() => undefined);
      }, delay);
    });
    // Without an 'error' listener ioredis prints every failed reconnect; they are counted instead.
    this.on('error', (err: Error) => {
      this.stats.connectionErrors++;
      this.stats.lastError = err.message;
      logger.debug({ connection: purpose, err: err.message }, 'redis connection error');
    });
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const out = super.sendCommand(command, stream);
    if (out instanceof Promise) {
      out.catch(() => {
        // `stats` is a field: it exists once the constructor has run, which is before any command.
        this.stats.commandErrors++;
      });
    }
    return out;
  }

  private nextReady: Promise<void> | null = null;

  /**
   * Resolves when the connection is ready; rejects after `timeoutMs` with the last connection error.
   * Waiters share one promise, so any number of them adds a single 'ready' listener.
   */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.nextReady ??= new Promise<void>((resolve) =>
      this.once('ready', () => {
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
    if (this.status === 'end') return;
    if (this.ready) this.quit().catch(() => this.forceEnd());
    else this.forceEnd();
  }

  /**
   * Stops at once. ioredis' disconnect() during a reconnect back-off clears the timer but never
   * reaches 'end' (there is no socket left to close), and mqemitter-redis' close waits for 'end'.
   */
  forceEnd(): void {
    this.released = true;
    if (this.status === 'end') return;
    this.disconnect();
    if (this.status === 'reconnecting') {
      const internals = this as unknown as { setStatus(s: string): void; flushQueue(err: Error): void };
      internals.setStatus('end');
      internals.flushQueue(new Error('Connection is closed.'));
    }
  }
}
