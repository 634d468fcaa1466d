/**
 * Moves queued rows into Appends for one action: routing by the shard map, the pump that starts
 * Appends (one per shard, `inflight_window` across shards), result handling, retries, shard-map
 * changes (the map itself is found by shard-map-watch.ts), and the "blocked" state (stream
 * missing, credentials refused).
 *
 * Per-key order: a key always maps to one shard; a shard has at most one batch out; a failed
 * batch is retried before the shard's next one. When the shard map changes, every waiting row
 * goes back to `pending` in order, and nothing new starts until Appends of the old map return.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import { Fifo } from '../queue.js';
import { backoffDelay } from '../retry.js';
import { ShardBatcher, Slab, type Batch, type Row } from './batcher.js';
import type { ActionConfig } from './config.js';
import type { HStreamConnector } from './connector.js';
import { waitFor, type RowLedger } from './ledger.js';
import type { Logger, RateLimitedLog } from '../../common/logger.js';
import type { AppendJob, AppendResult } from './appender.js';
import { encodeBatch } from './record.js';
import type { ShardMap } from './shards.js';
import { ShardMapWatch, logBlocked } from './shard-map-watch.js';
import { judgeFailedAppend } from './append-failure.js';
import { AppendDeadline } from './append-deadline.js';
import { dropExpired, takeExpired, takeForReroute, takeWaiting } from './reroute.js';
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

type Routing = { readonly gen: number; readonly map: ShardMap; readonly shards: ShardBatcher[] };

export class Dispatcher {
  /** Set while writing cannot succeed whatever we retry; rows then fail at once (no RPC per row). */
  blocked: SinkError | undefined;
  private routing: Routing | null = null;
  private readonly pending = new Fifo<Row>();
  /** Bytes of rows that wait in `pending` (a shard's own slab takes rows routed at once). */
  private readonly pendingSlab = new Slab();
  private gen = 0;
  /** Batches of an older routing generation still in an Append: nothing new starts until they return. */
  private oldGenInflight = 0;
  /** Batches in an Append or backing off before the next attempt (across all generations). */
  private readonly active = new Set<Batch>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Shard discovery, its retries and the periodic stream check. */
  private readonly watch: ShardMapWatch;
  private pumpScheduled = false;
  private pumpStart = 0;
  private state: 'new' | 'running' | 'closed' = 'new';
  private readyWaiters: (() => void)[] = [];
  /** Closing in disk mode: no new Append starts (what waits stays in the disk buffer). */
  private quiet = false;
  /** Memory mode drops rows older than request_ttl; in disk mode rows wait until written. */
  private readonly expires: boolean;
  private readonly deadline: AppendDeadline;

  constructor(private readonly d: DispatchDeps) {
    this.expires = d.config.bufferMode !== 'disk';
    this.deadline = new AppendDeadline(d.config.grpcFlushTimeoutMs, d.config.requestTtlMs);
    this.watch = new ShardMapWatch(d, {
      state: () => this.state,
      blocked: () => this.blocked,
      hasRouting: () => this.routing !== null,
      unblock: () => (this.blocked = undefined),
      applyRouting: (map, targets) => this.applyRouting(map, targets),
      block: (err) => this.block(err),
      schedulePump: () => this.schedulePump(),
    });
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
    this.watch.start();
  }

  /**
   * Takes a queued row whose encoded record is `record[0, len)` (copied now: the caller reuses it):
   * straight into its shard's slab and batch when the map is known and nothing waits ahead of it,
   * else into `pending`.
   */
  accept(r: Row, record: Uint8Array, len: number): void {
    const routing = this.routing;
    if (routing && this.pending.length === 0 && this.oldGenInflight === 0) {
      const idx = this.shardOf(r, routing);
      if (idx < 0) return;
      const shard = routing.shards[idx];
      shard.slab.place(r, record, len);
      shard.add(r);
    } else {
      this.pendingSlab.place(r, record, len);
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
    this.watch.stopHealthChecks();
  }

  /** Closes every open batch so it goes out now (on close). */
  flushAll(): void {
    this.watch.stopHealthChecks();
    if (this.routing) for (const s of this.routing.shards) s.closeOpen();
    this.schedulePump();
  }

  /** Stops everything; rows still held are dropped with `reason` ('closed' lets disk mode keep them on disk). */
  stop(reason: 'closed' | 'shutdown' = 'closed'): void {
    this.state = 'closed';
    this.watch.stop();
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const { ledger } = this.d;
    for (const r of takeWaiting(this.pending, this.routing?.shards)) ledger.dropQueued(r, reason);
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

  /** A placed row (from `pending`) into its shard's batch. */
  private route(r: Row, routing: Routing): void {
    const idx = this.shardOf(r, routing);
    if (idx >= 0) routing.shards[idx].add(r);
  }

  /** The row's shard index; a key no active shard covers fails the row (and the map is looked up again). */
  private shardOf(r: Row, routing: Routing): number {
    const idx = routing.map.indexOfKey(r.key);
    if (idx < 0) {
      this.d.ledger.failQueued(r, new SinkError('SINK_NO_SHARD', `no active shard of '${this.d.config.stream}' covers key '${r.key}'`));
      this.watch.request();
    }
    return idx;
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
      while (!s.current && s.hasClosed() && s.mayStart()) this.startBatch(s, s.nextBatch()!);
    }
    this.pumpStart = (this.pumpStart + 1) % Math.max(1, n);
    this.d.ledger.checkIdle();
  };

  // ---------------------------------------------------------------- appends

  private startBatch(s: ShardBatcher, b: Batch): void {
    const { ledger } = this.d;
    const live = this.expires ? dropExpired(b.rows, Date.now(), (r) => ledger.dropQueued(r, 'expired')) : b.rows;
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
      timeoutMs: this.deadline.timeoutMs(b.timeouts),
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
      ledger.succeed(b.rows, Date.now(), this.deadline.answered(elapsedMs));
      this.release(b);
      return;
    }
    if (err.code === grpcStatus.DEADLINE_EXCEEDED) {
      b.timeouts++;
      this.deadline.timedOut(b.timeouts);
    }
    connector.noteAppendFailure(err);
    const judged = judgeFailedAppend(
      err,
      {
        action: this.d.name,
        stream: config.stream,
        target: b.shard.target,
        shardId: b.shard.shardId,
        rows: b.rows.length,
        attempt: b.attempt + 1,
        blocked: this.blocked !== undefined,
        nextDeadlineMs: this.deadline.timeoutMs(b.timeouts),
        reroute: oldGen,
      },
      this.d.rl,
    );
    if (judged.action === 'fail') {
      this.failBatch(b, judged.error);
      if (judged.block) this.block(judged.error);
      return;
    }
    if (judged.rediscover) this.watch.request();
    if (oldGen) {
      // The shard map changed while this Append was out: its rows go again, routed by the new map.
      ledger.retried(b.rows.length);
      this.requeue(b);
      return;
    }
    b.attempt++;
    b.phase = 'backoff';
    b.timer = setTimeout(() => this.retryBatch(b), backoffDelay(b.attempt, this.d.retryBaseMs, this.d.retryMaxMs));
  }

  private retryBatch(b: Batch): void {
    b.timer = undefined;
    if (b.abandoned || this.state === 'closed' || this.quiet) return;
    const discovering = this.watch.discovering;
    if (discovering) {
      void discovering.then(() => this.retryBatch(b));
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
    if (this.expires) b.rows = dropExpired(b.rows, Date.now(), (r) => this.d.ledger.dropInflight(r, 'expired'));
    if (b.rows.length === 0) {
      this.release(b);
      return;
    }
    this.d.ledger.retried(b.rows.length);
    this.sendBatch(b);
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

  // ---------------------------------------------------------------- shard map (found by ShardMapWatch)

  /** Installs a shard map. A changed layout moves every waiting row back to `pending`, in order. */
  private applyRouting(map: ShardMap, targets: readonly string[]): void {
    const old = this.routing;
    if (old && old.map.signature === map.signature) {
      for (let i = 0; i < old.shards.length; i++) old.shards[i].target = targets[i];
      return;
    }
    this.gen++;
    let moved: Row[] = [];
    if (old) {
      const taken = takeForReroute(old.shards, this.d.ledger, this.active);
      moved = taken.moved;
      this.oldGenInflight += taken.inRpc;
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

  // ---------------------------------------------------------------- blocked state, expiry

  /** Writing cannot succeed: fail what waits, and fail new rows at once until a re-check succeeds. */
  private block(err: SinkError): void {
    if (!this.blocked) logBlocked(this.d, err);
    this.blocked = err;
    const { ledger } = this.d;
    const waiting = takeWaiting(this.pending, this.routing?.shards);
    for (const b of [...this.active]) {
      if (b.phase !== 'backoff') continue; // batches in an Append fail when their answer comes back
      if (b.timer) clearTimeout(b.timer);
      this.failBatch(b, err);
    }
    for (const r of waiting) ledger.failQueued(r, err);
    ledger.checkIdle();
  }

  /** Drops rows that waited longer than request_ttl (oldest first) wherever they wait. */
  private sweepExpired(): void {
    const { ledger } = this.d;
    for (const r of takeExpired(this.pending, this.routing?.shards, Date.now())) ledger.dropQueued(r, 'expired');
    ledger.checkIdle();
  }
}
