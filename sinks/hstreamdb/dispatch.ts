/**
 * Moves queued rows into Appends for one action: routing by the shard map, the pump that starts
 * Appends (one per shard, `inflight_window` across shards), result handling, retries, shard-map
 * changes, and the "blocked" state (stream missing, credentials refused).
 *
 * Per-key order: a key always maps to one shard; a shard has at most one batch out; a failed
 * batch is retried before the shard's next one. When the shard map changes, every waiting row
 * goes back to `pending` in order, and nothing new starts until Appends of the old map return.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { SinkError, type SinkErrorCode } from '../errors.js';
import { Fifo } from '../queue.js';
import { backoffDelay, classifyAppendError } from '../retry.js';
import { ShardBatcher, type Batch, type Row } from './batcher.js';
import type { ActionConfig } from './config.js';
import { isConnectionFailure, type HStreamConnector } from './connector.js';
import { discoverShards } from './discovery.js';
import { describeCallError, isGrpcError, serverError } from './errors.js';
import { startPeriodic } from './health.js';
import { waitFor, type RowLedger } from './ledger.js';
import type { Logger, RateLimitedLog } from '../../common/logger.js';
import type { AppendJob, AppendResult } from './appender.js';
import { encodeBatch } from './record.js';
import type { ShardMap } from './shards.js';
import type { SinkMetricsHooks } from '../registry.js';

export interface DispatchDeps {
  readonly name: string;
  readonly config: ActionConfig;
  readonly connector: HStreamConnector;
  readonly ledger: RowLedger;
  readonly logger: Logger;
  readonly rl: RateLimitedLog;
  readonly metrics?: SinkMetricsHooks;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

/** At most 2^6 × grpc_flush_timeout (and never past request_ttl). */
const MAX_SLOW_LEVEL = 6;

type Routing = { readonly gen: number; readonly map: ShardMap; readonly shards: ShardBatcher[] };

export class Dispatcher {
  /** Set while writing cannot succeed whatever we retry; rows then fail at once (no RPC per row). */
  blocked: SinkError | undefined;
  private routing: Routing | null = null;
  private readonly pending = new Fifo<Row>();
  private gen = 0;
  /** Batches of an older routing generation still in an Append: nothing new starts until they return. */
  private oldGenInflight = 0;
  /** Batches in an Append or backing off before the next attempt (across all generations). */
  private readonly active = new Set<Batch>();
  private discovering: Promise<void> | null = null;
  private discoveryAttempt = 0;
  private discoveryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopHealth: (() => void) | undefined;
  private pumpScheduled = false;
  private pumpStart = 0;
  private state: 'new' | 'running' | 'closed' = 'new';
  private readyWaiters: (() => void)[] = [];
  /** Closing in disk mode: no new Append starts (what waits stays in the disk buffer). */
  private quiet = false;
  /** Memory mode drops rows older than request_ttl; in disk mode rows wait until written. */
  private readonly expires: boolean;
  /**
   * How many times grpc_flush_timeout was doubled for Appends to get answered: raised by an Append
   * that timed out, lowered by one answered within grpc_flush_timeout. A server slower than the
   * timeout then gets each batch once or twice instead of once per retry until request_ttl.
   */
  private slowLevel = 0;

  constructor(private readonly d: DispatchDeps) {
    this.expires = d.config.bufferMode !== 'disk';
  }

  get hasRouting(): boolean {
    return this.routing !== null;
  }

  get shardCount(): number {
    return this.routing?.shards.length ?? 0;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const { config } = this.d;
    const sweepMs = Math.max(10, Math.min(1000, Math.floor(config.requestTtlMs / 4)));
    if (this.expires) this.sweepTimer = setInterval(() => this.sweepExpired(), sweepMs);
    this.stopHealth = startPeriodic(() => this.healthCheck(), config.healthCheckIntervalMs);
    this.requestRediscover();
  }

  /** Takes a queued row: straight into its shard's batch when the map is known and nothing waits ahead of it. */
  accept(r: Row): void {
    if (this.routing && this.pending.length === 0 && this.oldGenInflight === 0) {
      this.route(r, this.routing);
    } else {
      this.pending.push(r);
      this.schedulePump();
    }
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    return this.routing ? Promise.resolve(true) : waitFor(this.readyWaiters, timeoutMs);
  }

  /** Appends in progress (not counting batches waiting to retry). */
  get rpcInFlight(): number {
    let n = 0;
    for (const b of this.active) if (b.phase === 'rpc') n++;
    return n;
  }

  /** Starts no Append any more (closing in disk mode); those in progress finish. */
  quiesce(): void {
    this.quiet = true;
    this.stopHealth?.();
  }

  /** Closes every open batch so it goes out now (on close). */
  flushAll(): void {
    this.stopHealth?.();
    if (this.routing) for (const s of this.routing.shards) s.closeOpen();
    this.schedulePump();
  }

  /** Stops everything; rows still held are dropped with `reason` ('closed' lets disk mode keep them on disk). */
  stop(reason: 'closed' | 'shutdown' = 'closed'): void {
    this.state = 'closed';
    this.stopHealth?.();
    for (const t of [this.discoveryTimer, this.sweepTimer]) if (t) clearTimeout(t);
    this.discoveryTimer = this.sweepTimer = undefined;
    const { ledger } = this.d;
    for (const r of this.pending.drain()) ledger.dropQueued(r, reason);
    if (this.routing) for (const s of this.routing.shards) for (const r of s.takeRows()) ledger.dropQueued(r, reason);
    for (const b of [...this.active]) {
      if (b.timer) clearTimeout(b.timer);
      const call = b.call;
      b.abandoned = true; // the CANCELLED callback that follows must do nothing
      call?.cancel();
      for (const r of b.rows) ledger.dropInflight(r, reason);
      this.release(b);
    }
  }

  // ---------------------------------------------------------------- routing rows to batches

  private route(r: Row, routing: Routing): void {
    const idx = routing.map.indexOfKey(r.key);
    if (idx < 0) {
      this.d.ledger.failQueued(r, new SinkError('SINK_NO_SHARD', `no active shard of '${this.d.config.stream}' covers key '${r.key}'`));
      this.requestRediscover();
      return;
    }
    routing.shards[idx].add(r);
  }

  private readonly onBatchReady = (): void => this.schedulePump();

  private schedulePump(): void {
    if (this.pumpScheduled || this.state === 'closed') return;
    this.pumpScheduled = true;
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    this.pumpScheduled = false;
    const routing = this.routing;
    if (!routing || this.oldGenInflight > 0 || this.state === 'closed' || this.quiet) return this.d.ledger.checkIdle();
    while (this.pending.length > 0 && !this.blocked) this.route(this.pending.shift()!, routing);
    const shards = routing.shards;
    const n = shards.length;
    for (let k = 0; k < n && this.active.size < this.d.config.inflightWindow; k++) {
      const s = shards[(this.pumpStart + k) % n];
      s.closeIfDue();
      while (!s.current && s.hasClosed()) this.startBatch(s, s.nextBatch()!);
    }
    this.pumpStart = (this.pumpStart + 1) % Math.max(1, n);
    this.d.ledger.checkIdle();
  };

  // ---------------------------------------------------------------- appends

  private startBatch(s: ShardBatcher, b: Batch): void {
    const { ledger } = this.d;
    const now = Date.now();
    const live: Row[] = [];
    for (const r of b.rows) {
      if (this.expires && r.deadline <= now) ledger.dropQueued(r, 'expired');
      else live.push(r);
    }
    if (live.length === 0) return;
    b.rows = live;
    ledger.toInflight(live);
    this.active.add(b);
    s.current = b;
    s.noteStarted();
    b.gen = this.gen;
    this.d.metrics?.observeBatchSize(live.length);
    this.sendBatch(b);
  }

  private sendBatch(b: Batch): void {
    const { config } = this.d;
    b.phase = 'rpc';
    b.startedAt = performance.now();
    // Encoded again on each attempt (retries are rare): the bytes are handed over to the appender.
    const job: AppendJob = {
      target: b.shard.target,
      stream: config.stream,
      shardId: b.shard.shardId,
      compression: config.compression,
      count: b.rows.length,
      batch: encodeBatch(b.rows),
      timeoutMs: this.appendTimeoutMs(b),
    };
    b.call = this.d.connector.appender.append(job, (err, callMs) => this.onAppendDone(b, err, callMs));
  }

  /** `callMs`: the gRPC call's own duration (decides late replies; hand-over to a worker thread excluded). */
  private onAppendDone(b: Batch, err: AppendResult, callMs: number): void {
    b.call = undefined;
    if (b.abandoned) return;
    if (err instanceof SinkError) {
      this.d.rl.log('error', 'encode', { action: this.d.name, err: err.message }, 'hstreamdb batch could not be encoded');
      if (b.gen !== this.gen) this.oldGenInflight--;
      this.failBatch(b, err);
      return;
    }
    const { ledger, connector, config } = this.d;
    const oldGen = b.gen !== this.gen;
    if (oldGen) this.oldGenInflight--;
    const elapsedMs = callMs;
    this.d.metrics?.observeAppendSeconds((performance.now() - b.startedAt) / 1000);
    if (!err) {
      connector.noteOk();
      // Answered after grpc_flush_timeout (a longer deadline was needed): written, but a late reply.
      const late = elapsedMs > config.grpcFlushTimeoutMs;
      if (!late) {
        if (this.slowLevel > 0) this.slowLevel--;
      } else if (2 * elapsedMs > config.grpcFlushTimeoutMs * 2 ** this.slowLevel) {
        // Keep the deadline at least twice the latest answer time, so a slow server's jitter does not turn into copies.
        this.slowLevel = Math.min(MAX_SLOW_LEVEL, this.slowLevel + 1);
      }
      ledger.succeed(b.rows, Date.now(), late);
      this.release(b);
      return;
    }
    if (err.code === grpcStatus.DEADLINE_EXCEEDED) {
      b.timeouts++;
      this.slowLevel = Math.min(MAX_SLOW_LEVEL, Math.max(this.slowLevel, b.timeouts));
    }
    connector.noteAppendFailure(err);
    const verdict = classifyAppendError(err.code, err.details ?? '');
    if (verdict.action === 'fail' || (verdict.action === 'stream_missing' && this.blocked)) {
      const msg = describeCallError(err, b.shard.target, config.stream);
      this.d.rl.log(
        'error',
        `fail:${verdict.reason}`,
        { action: this.d.name, stream: config.stream, shard: b.shard.shardId, rows: b.rows.length, err: msg },
        'hstreamdb Append failed; rows failed',
      );
      const code: SinkErrorCode = verdict.action === 'stream_missing' ? 'SINK_STREAM_NOT_FOUND' : 'SINK_UNRECOVERABLE';
      const failure = new SinkError(code, msg, { cause: err });
      this.failBatch(b, failure);
      if (isAuthError(err)) this.block(failure);
      return;
    }
    if (verdict.rediscover) this.requestRediscover();
    if (oldGen) {
      // The shard map changed while this Append was out: its rows go again, routed by the new map.
      ledger.retried(b.rows.length);
      this.requeue(b);
      return;
    }
    this.d.rl.log(
      'warn',
      `retry:${verdict.reason}`,
      {
        action: this.d.name,
        shard: b.shard.shardId,
        rows: b.rows.length,
        attempt: b.attempt + 1,
        nextDeadlineMs: this.appendTimeoutMs(b),
        err: serverError(err.details ?? '').message,
        maybeCommitted: verdict.maybeCommitted,
      },
      'hstreamdb Append failed; retrying the batch',
    );
    b.attempt++;
    b.phase = 'backoff';
    b.timer = setTimeout(() => this.retryBatch(b), backoffDelay(b.attempt, this.d.retryBaseMs, this.d.retryMaxMs));
  }

  private retryBatch(b: Batch): void {
    b.timer = undefined;
    if (b.abandoned || this.state === 'closed' || this.quiet) return;
    if (this.discovering) {
      void this.discovering.then(() => this.retryBatch(b));
      return;
    }
    if (b.gen !== this.gen) {
      this.requeue(b);
      return;
    }
    if (this.blocked) {
      this.failBatch(b, this.blocked);
      return;
    }
    const now = Date.now();
    if (this.expires && b.rows.some((r) => r.deadline <= now)) {
      for (const r of b.rows) if (r.deadline <= now) this.d.ledger.dropInflight(r, 'expired');
      b.rows = b.rows.filter((r) => r.deadline > now);
    }
    if (b.rows.length === 0) {
      this.release(b);
      return;
    }
    this.d.ledger.retried(b.rows.length);
    this.sendBatch(b);
  }

  /**
   * The deadline of the batch's next Append: grpc_flush_timeout, doubled per earlier timeout of this
   * batch or of recent ones, at most max(grpc_flush_timeout, request_ttl). A timed-out Append may
   * have been stored; retrying it with the same deadline against a slow server would store it again
   * on every attempt.
   */
  private appendTimeoutMs(b: Batch): number {
    const { grpcFlushTimeoutMs: flush, requestTtlMs } = this.d.config;
    return Math.min(flush * 2 ** Math.max(b.timeouts, this.slowLevel), Math.max(flush, requestTtlMs));
  }

  /** The batch leaves its shard; the shard may send its next one. */
  private release(b: Batch): void {
    b.abandoned = true;
    if (b.shard.current === b) b.shard.current = null;
    this.active.delete(b);
    this.schedulePump();
    this.d.ledger.checkIdle();
  }

  private failBatch(b: Batch, err: Error): void {
    this.d.ledger.failInflight(b.rows, err);
    this.release(b);
  }

  /** In-flight rows go back in front of `pending` (the routing changed while they were out). */
  private requeue(b: Batch): void {
    if (b.timer) clearTimeout(b.timer);
    this.d.ledger.backToQueue(b.rows);
    this.pending.unshiftAll(b.rows);
    this.release(b);
  }

  // ---------------------------------------------------------------- shard map

  private requestRediscover(): void {
    if (this.discovering || this.state !== 'running') return;
    if (this.discoveryTimer) {
      clearTimeout(this.discoveryTimer);
      this.discoveryTimer = undefined;
    }
    this.discovering = this.discover().finally(() => {
      this.discovering = null;
    });
  }

  private async discover(): Promise<void> {
    const { connector, config } = this.d;
    const { client } = connector;
    try {
      const { map, targets } = await discoverShards(client, config.stream, connector.config.grpcTimeoutMs);
      if (this.state === 'closed') return;
      this.discoveryAttempt = 0;
      connector.noteOk();
      if (this.blocked) {
        this.blocked = undefined;
        this.d.logger.info({ action: this.d.name, stream: config.stream }, 'hstreamdb stream reachable again; writing resumes');
      }
      this.applyRouting(map, targets);
    } catch (e) {
      if (this.state === 'closed') return;
      const permanent = this.blockingError(e, client.currentSeed);
      if (permanent) {
        this.block(permanent);
      } else if (isConnectionFailure(e)) {
        connector.noteFailure(e, client.currentSeed); // the connector logs the change of state, once
      } else {
        const msg = isGrpcError(e) ? describeCallError(e, client.currentSeed, config.stream) : (e as Error).message;
        this.d.rl.log('warn', 'discover', { action: this.d.name, stream: config.stream, err: msg }, 'hstreamdb shard discovery failed; will retry');
      }
      if (!this.routing || this.blocked) {
        this.discoveryAttempt++;
        // While blocked, re-check slowly (up to health_check_interval): rows fail meanwhile without RPCs.
        const base = this.blocked ? 500 : this.d.retryBaseMs;
        const cap = Math.max(base, this.blocked ? config.healthCheckIntervalMs : this.d.retryMaxMs);
        this.discoveryTimer = setTimeout(
          () => {
            this.discoveryTimer = undefined;
            this.requestRediscover();
          },
          backoffDelay(this.discoveryAttempt, base, cap),
        );
      }
    } finally {
      this.schedulePump();
    }
  }

  /** Installs a shard map. A changed layout moves every waiting row back to `pending`, in order. */
  private applyRouting(map: ShardMap, targets: readonly string[]): void {
    const old = this.routing;
    if (old && old.map.signature === map.signature) {
      for (let i = 0; i < old.shards.length; i++) old.shards[i].target = targets[i];
      return;
    }
    this.gen++;
    const moved: Row[] = [];
    if (old) {
      for (const s of old.shards) {
        s.stop();
        const cur = s.current;
        if (cur) {
          if (cur.phase === 'rpc') {
            this.oldGenInflight++;
          } else {
            // A batch waiting to retry: its rows go again, routed by the new map (older rows first).
            if (cur.timer) clearTimeout(cur.timer);
            this.d.ledger.retried(cur.rows.length);
            this.d.ledger.backToQueue(cur.rows);
            for (const r of cur.rows) moved.push(r);
            cur.abandoned = true;
            s.current = null;
            this.active.delete(cur);
          }
        }
        for (const r of s.takeRows()) moved.push(r);
      }
      this.d.logger.info(
        { action: this.d.name, stream: this.d.config.stream, shards: map.ranges.length, requeued: moved.length },
        'hstreamdb shard map changed; re-routing',
      );
    }
    this.pending.unshiftAll(moved);
    const { config } = this.d;
    this.routing = {
      gen: this.gen,
      map,
      shards: map.ranges.map((r, i) => new ShardBatcher(r.shardId, targets[i], config.batchSize, config.batchIntervalMs, this.onBatchReady)),
    };
    for (const w of this.readyWaiters.splice(0)) w();
    this.schedulePump();
  }

  // ---------------------------------------------------------------- blocked state, health, expiry

  /** The error that blocks writing for a failed discovery / health call, if it is one of those. */
  private blockingError(e: unknown, target: string): SinkError | undefined {
    if (e instanceof SinkError && e.code === 'SINK_STREAM_NOT_FOUND') return e;
    if (!isGrpcError(e)) return undefined;
    if (e.code === grpcStatus.NOT_FOUND) {
      return new SinkError('SINK_STREAM_NOT_FOUND', describeCallError(e, target, this.d.config.stream), { cause: e });
    }
    if (isAuthError(e)) return new SinkError('SINK_UNRECOVERABLE', describeCallError(e, target), { cause: e });
    return undefined;
  }

  /** Writing cannot succeed: fail what waits, and fail new rows at once until a re-check succeeds. */
  private block(err: SinkError): void {
    if (!this.blocked) {
      const what = err.code === 'SINK_STREAM_NOT_FOUND' ? 'hstreamdb stream missing' : 'hstreamdb refused the writes';
      this.d.logger.error(
        { action: this.d.name, stream: this.d.config.stream, err: err.message },
        `${what}; rows fail at once until a re-check (every health_check_interval) succeeds`,
      );
    }
    this.blocked = err;
    const { ledger } = this.d;
    const waiting = this.pending.drain();
    if (this.routing) for (const s of this.routing.shards) for (const r of s.takeRows()) waiting.push(r);
    for (const b of [...this.active]) {
      if (b.phase !== 'backoff') continue; // batches in an Append fail when their answer comes back
      if (b.timer) clearTimeout(b.timer);
      this.failBatch(b, err);
    }
    for (const r of waiting) ledger.failQueued(r, err);
    ledger.checkIdle();
  }

  private async healthCheck(): Promise<void> {
    if (this.state !== 'running' || this.discovering) return;
    const { connector, config } = this.d;
    try {
      await connector.client.seedCall('GetStream', { name: config.stream }, connector.config.grpcTimeoutMs);
      connector.noteOk();
      if (this.blocked || !this.routing) this.requestRediscover();
    } catch (e) {
      const permanent = this.blockingError(e, connector.client.currentSeed);
      if (permanent) {
        if (!this.blocked) this.block(permanent);
      } else {
        connector.noteFailure(e, connector.client.currentSeed);
      }
    }
  }

  /** Drops rows that waited longer than request_ttl (oldest first) wherever they wait. */
  private sweepExpired(): void {
    const { ledger } = this.d;
    const now = Date.now();
    let head = this.pending.peek();
    while (head && head.deadline <= now) {
      this.pending.shift();
      ledger.dropQueued(head, 'expired');
      head = this.pending.peek();
    }
    if (this.routing) for (const s of this.routing.shards) for (const r of s.takeExpired(now)) ledger.dropQueued(r, 'expired');
    ledger.checkIdle();
  }
}

function isAuthError(e: { code: number }): boolean {
  return e.code === grpcStatus.UNAUTHENTICATED || e.code === grpcStatus.PERMISSION_DENIED;
}
