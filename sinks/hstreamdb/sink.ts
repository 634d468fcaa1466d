/**
 * The HStreamDB action: rows in, Appends out (implements sinks/contract.ts `Action`).
 *
 * `send` renders the row into its final HStreamRecord bytes, checks the queue bounds and hands
 * the row to the dispatcher (dispatch.ts), which batches it per shard and sends Appends. Nothing
 * is awaited per row. A row counts as success only after the Append carrying it returned OK.
 *
 * Counters use EMQX's names and keep, whenever nothing is moving:
 *   matched = success + failed + dropped + queuing + inflight + lateReply
 * - dropped (by reason): queue_full — the NEWEST row is refused when the queue is at
 *   max_buffer_bytes or max_batches × batch_size rows (what is queued keeps its order);
 *   expired — not written within request_ttl; closed — the row arrived after the action closed;
 *   shutdown — memory mode: still queued or in flight when close()'s grace period ended (logged at warn).
 * - lateReply: the Append returned OK after the row's request_ttl (written, but late; a sync
 *   caller was already told it timed out).
 * - retried: rows sent again after a transient failure (UNAVAILABLE, DEADLINE_EXCEEDED, …).
 *   A DEADLINE_EXCEEDED Append may have been committed, so its retry can write duplicates:
 *   delivery is at-least-once.
 *
 * ack_mode = 'sink': the runtime passes a `done` per row and `env.ackHeld`; such rows make their
 * shard's open batch go out as soon as the shard is idle instead of after batch_interval.
 * buffer_mode = 'disk' (disk-backlog.ts): rows are kept in a disk buffer until written; they do
 * not expire (request_ttl only bounds how long a caller waits: SINK_REQUEST_TIMEOUT, and a later
 * write counts as late_reply); max_buffer_bytes bounds the buffer; rows left at close or after a
 * crash are written after the next start (counted again as matched).
 */
import type { Action, ActionEnv, ActionStats, ConnectorStatus, RowDone } from '../contract.js';
import { SinkError } from '../errors.js';
import { NO_BYTES, SyncDeadlines, type Row } from './batcher.js';
import type { ActionConfig } from './config.js';
import type { HStreamConnector } from './connector.js';
import { DiskBacklog, encodeBody, rowSize } from './disk-backlog.js';
import { Dispatcher } from './dispatch.js';
import type { SinkMetricsHooks } from '../registry.js';
import type { ConnectionTestResult } from './health.js';
import { RowLedger, callDone } from './ledger.js';
import { RateLimitedLog, silentLogger, type Logger } from '../../common/logger.js';
import { RecordEncoder, loadZstd } from './record.js';

export interface ActionOptions {
  logger?: Logger;
  /** Histogram hooks: Append latency and rows per Append. */
  metrics?: SinkMetricsHooks;
  /** First retry backoff (default 100 ms); doubles per attempt. */
  retryBaseMs?: number;
  /** Retry backoff cap (default 5 s, at most request_ttl). */
  retryMaxMs?: number;
}

export type ActionHealthState = 'ok' | 'connecting' | 'unreachable' | 'stream_missing' | 'refused' | 'buffer_error';

/** Bookkeeping bytes added to each row's record size for max_buffer_bytes (row object, array slot). */
export const ROW_OVERHEAD_BYTES = 96;

export class HStreamAction implements Action {
  readonly type = 'hstreamdb';
  private readonly encoder: RecordEncoder;
  private readonly ledger: RowLedger;
  private readonly dispatcher: Dispatcher;
  /** Sync mode: a caller never waits past request_ttl, whatever the row's fate later. */
  private readonly syncDeadlines: SyncDeadlines;
  private readonly maxRows: number;
  private readonly rl: RateLimitedLog;
  private readonly logger: Logger;
  /** buffer_mode = 'disk' only. */
  private readonly backlog: DiskBacklog | undefined;
  /** Callers are watched for request_ttl: sync query mode, and every caller in disk mode (rows there do not expire). */
  private readonly watchCallers: boolean;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';

  constructor(
    readonly name: string,
    readonly config: ActionConfig,
    private readonly connector: HStreamConnector,
    opts: ActionOptions = {},
  ) {
    this.encoder = new RecordEncoder(config);
    this.ledger = new RowLedger(config.requestTtlMs);
    const logger = opts.logger ?? connector.logger ?? silentLogger;
    this.logger = logger;
    this.rl = new RateLimitedLog(logger);
    const retryBaseMs = opts.retryBaseMs ?? 100;
    this.dispatcher = new Dispatcher({
      name,
      config,
      connector,
      ledger: this.ledger,
      logger,
      rl: this.rl,
      metrics: opts.metrics,
      retryBaseMs,
      retryMaxMs: Math.max(retryBaseMs, Math.min(opts.retryMaxMs ?? 5000, config.requestTtlMs)),
    });
    this.syncDeadlines = new SyncDeadlines((done) =>
      callDone(done, new SinkError('SINK_REQUEST_TIMEOUT', `no Append result within request_ttl (${config.requestTtlMs} ms)`)),
    );
    this.maxRows = config.maxBatches * config.batchSize;
    this.backlog =
      config.bufferMode === 'disk'
        ? new DiskBacklog({ name, config, ledger: this.ledger, dispatcher: this.dispatcher, deadlines: this.syncDeadlines, logger, rl: this.rl })
        : undefined;
    this.watchCallers = config.queryMode === 'sync' && this.backlog === undefined;
  }

  /** 'sink': a PUBLISH that produced a row for this action is acknowledged once the row is written. */
  get ackMode(): 'broker' | 'sink' {
    return this.config.ackMode;
  }

  /** The disk buffer directory: at most one running action may use it. */
  get exclusiveResource(): string | undefined {
    return this.backlog ? `buffer_dir:${this.config.bufferDir}` : undefined;
  }

  /** How the record template is written: 'struct' (JSON HRecord), 'parse-json', 'json-text' or 'text' (RAW). */
  get recordMode(): string {
    return this.encoder.record.mode;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    if (this.config.compression === 'zstd') await loadZstd();
    this.backlog?.open();
    await this.connector.start();
    this.dispatcher.start();
  }

  send(row: Record<string, unknown>, env: ActionEnv, done?: RowDone): void {
    const ledger = this.ledger;
    const c = ledger.c;
    c.matched++;
    // Disk mode keeps taking rows while closing: they go to the buffer for the next start (a reload hands it over).
    if (this.state === 'closed' || (this.state === 'closing' && this.backlog === undefined)) return ledger.dropNew('closed', done);
    const blocked = this.dispatcher.blocked;
    if (blocked) return ledger.failNew(blocked, done);
    const encoder = this.encoder;
    let len: number;
    try {
      len = encoder.encodeInPlace(row);
    } catch (e) {
      this.rl.log('warn', 'render', { action: this.name, err: (e as Error).message }, 'hstreamdb record not rendered; row failed');
      return ledger.failNew(e instanceof Error ? e : new Error(String(e)), done);
    }
    const key = encoder.lastKey;
    if (this.backlog !== undefined) return this.sendToDisk(encoder.scratch.subarray(0, len), key, env, done);
    const size = len + key.length + ROW_OVERHEAD_BYTES;
    if (c.queuing >= this.maxRows || c.queuingBytes + size > this.config.maxBufferBytes) {
      this.rl.log(
        'warn',
        'queue_full',
        { action: this.name, queuing: c.queuing, queuingBytes: c.queuingBytes },
        'hstreamdb action queue full; dropping new rows',
      );
      return ledger.dropNew('queue_full', done);
    }
    const r: Row = {
      slab: NO_BYTES,
      at: 0,
      len: 0,
      key,
      size,
      deadline: Date.now() + this.config.requestTtlMs,
      done,
      urgent: env.ackHeld === true,
      seq: -1,
      late: false,
    };
    ledger.enqueue(r);
    if (done && this.watchCallers) this.syncDeadlines.watch(r);
    // The record is copied into its shard's slab: no Buffer per row.
    this.dispatcher.accept(r, encoder.scratch, len);
  }

  private sendToDisk(bytes: Buffer, key: string, env: ActionEnv, done: RowDone | undefined): void {
    const body = encodeBody(key, bytes);
    const size = rowSize(body);
    const c = this.ledger.c;
    if (c.queuingBytes + size > this.config.maxBufferBytes) {
      this.rl.log(
        'warn',
        'queue_full',
        { action: this.name, queuing: c.queuing, queuingBytes: c.queuingBytes },
        'hstreamdb disk buffer full (max_buffer_bytes); dropping new rows',
      );
      return this.ledger.dropNew('queue_full', done);
    }
    const held = env.ackHeld === true;
    const waiting = done !== undefined && (held || this.config.queryMode === 'sync');
    this.backlog!.push({
      body,
      record: body.subarray(body.length - bytes.length),
      key,
      size,
      deadline: Date.now() + this.config.requestTtlMs,
      done,
      urgent: held,
      waiting,
    });
  }

  stats(): ActionStats {
    return this.ledger.snapshot();
  }

  status(): ConnectorStatus {
    if (this.state === 'closed' || this.dispatcher.blocked || this.backlog?.error) return 'disconnected';
    const cs = this.connector.status();
    if (!this.dispatcher.hasRouting) return cs === 'disconnected' ? 'disconnected' : 'connecting';
    return cs;
  }

  /**
   * Status with one state per problem and a reason a person can act on. `state`: ok; connecting
   * (shard map not known yet); unreachable (no answer from the cluster); stream_missing (the stream
   * does not exist or lists no active shard: rows fail at once); refused (credentials refused);
   * buffer_error (the disk buffer cannot be used).
   */
  health(): { status: ConnectorStatus; state: ActionHealthState; reason: string } {
    const status = this.status();
    if (this.backlog?.error) return { status, state: 'buffer_error', reason: this.backlog.error.message };
    const blocked = this.dispatcher.blocked;
    if (blocked) return { status, state: blocked.code === 'SINK_STREAM_NOT_FOUND' ? 'stream_missing' : 'refused', reason: blocked.message };
    if (this.connector.status() === 'disconnected') return { status, state: 'unreachable', reason: this.connector.reason() };
    if (!this.dispatcher.hasRouting) return { status, state: 'connecting', reason: 'discovering shards' };
    return { status, state: 'ok', reason: '' };
  }

  /** Echo + ListShards of this action's stream. */
  testConnection(): Promise<ConnectionTestResult> {
    return this.connector.testConnection(this.config.stream);
  }

  /** Resolves true once nothing is queued or in flight; false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.ledger.whenIdle(timeoutMs);
  }

  /** Resolves true once a shard map is known; false after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean> {
    return this.dispatcher.whenReady(timeoutMs);
  }

  /** Active shards in the current map (0 before discovery). */
  get shardCount(): number {
    return this.dispatcher.shardCount;
  }

  /** The disk buffer: rows on disk not read back yet, segment files and their bytes (undefined in memory mode). */
  bufferUsage(): { unread: number; segments: number; diskBytes: number } | undefined {
    return this.backlog?.usage();
  }

  /**
   * Stops accepting rows, sends open batches, waits up to `graceMs`, then drops what is left
   * (reason 'shutdown', one warn line with the count).
   * Disk mode: no new Append starts; those in progress get up to `graceMs`; every row not written
   * stays in the buffer for the next start.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasStarted = this.state !== 'new';
    this.state = 'closing';
    if (this.backlog) {
      this.backlog.stopRefill();
      if (wasStarted) {
        this.dispatcher.quiesce();
        const until = Date.now() + graceMs;
        while (this.dispatcher.rpcInFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      }
      this.state = 'closed';
      this.syncDeadlines.stop();
      this.dispatcher.stop();
      this.backlog.close(this.ledger.dropError('closed'));
      this.ledger.wakeAll();
      return;
    }
    if (wasStarted && this.dispatcher.hasRouting) {
      this.dispatcher.flushAll();
      await this.ledger.whenIdle(graceMs);
    }
    this.state = 'closed';
    this.syncDeadlines.stop();
    // Memory mode: what is still held now is lost with the process; count it and say so.
    const { queuing, inflight } = this.ledger.c;
    this.dispatcher.stop('shutdown');
    if (queuing + inflight > 0) {
      this.logger.warn(
        { action: this.name, stream: this.config.stream, dropped: queuing + inflight, queuing, inflight, graceMs },
        'hstreamdb action closed with rows not written; they are dropped (reason shutdown)',
      );
    }
    this.ledger.wakeAll();
  }
}

/** Creates an HStreamDB action on a shared connector. Call `start()` before (or after) the first `send`. */
export function createHStreamAction(name: string, config: ActionConfig, connector: HStreamConnector, opts?: ActionOptions): HStreamAction {
  return new HStreamAction(name, config, connector, opts);
}
