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
 *   expired — not written within request_ttl; closed — the action was closing.
 * - lateReply: the Append returned OK after the row's request_ttl (written, but late; a sync
 *   caller was already told it timed out).
 * - retried: rows sent again after a transient failure (UNAVAILABLE, DEADLINE_EXCEEDED, …).
 *   A DEADLINE_EXCEEDED Append may have been committed, so its retry can write duplicates:
 *   delivery is at-least-once.
 */
import type { Action, ActionEnv, ActionStats, ConnectorStatus, RowDone } from '../contract.js';
import { SinkError } from '../errors.js';
import { SyncDeadlines, type Row } from './batcher.js';
import type { ActionConfig } from './config.js';
import type { HStreamConnector } from './connector.js';
import { Dispatcher, type AppendMetrics } from './dispatch.js';
import type { ConnectionTestResult } from './health.js';
import { RowLedger, callDone } from './ledger.js';
import { RateLimitedLog, silentLogger, type Logger } from './log.js';
import { RecordEncoder, loadZstd } from './record.js';

export type { AppendMetrics } from './dispatch.js';

export interface ActionOptions {
  logger?: Logger;
  /** Histogram hooks: Append latency and rows per Append. */
  metrics?: AppendMetrics;
  /** First retry backoff (default 100 ms); doubles per attempt. */
  retryBaseMs?: number;
  /** Retry backoff cap (default 5 s, at most request_ttl). */
  retryMaxMs?: number;
}

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
    this.rl = new RateLimitedLog(logger);
    const retryBaseMs = opts.retryBaseMs ?? 100;
    this.dispatcher = new Dispatcher({
      name, config, connector, ledger: this.ledger, logger, rl: this.rl, metrics: opts.metrics, retryBaseMs,
      retryMaxMs: Math.max(retryBaseMs, Math.min(opts.retryMaxMs ?? 5000, config.requestTtlMs)),
    });
    this.syncDeadlines = new SyncDeadlines((done) =>
      callDone(done, new SinkError('SINK_REQUEST_TIMEOUT', `no Append result within request_ttl (${config.requestTtlMs} ms)`)));
    this.maxRows = config.maxBatches * config.batchSize;
  }

  /** How the record template is written: 'struct' (JSON HRecord), 'parse-json', 'json-text' or 'text' (RAW). */
  get recordMode(): string {
    return this.encoder.record.mode;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    if (this.config.compression === 'zstd') await loadZstd();
    await this.connector.start();
    this.dispatcher.start();
  }

  send(row: Record<string, unknown>, _env: ActionEnv, done?: RowDone): void {
    const ledger = this.ledger;
    const c = ledger.c;
    c.matched++;
    if (this.state === 'closing' || this.state === 'closed') return ledger.dropNew('closed', done);
    const blocked = this.dispatcher.blocked;
    if (blocked) return ledger.failNew(blocked, done);
    let bytes: Buffer;
    try {
      bytes = this.encoder.encode(row);
    } catch (e) {
      this.rl.log('warn', 'render', { action: this.name, err: (e as Error).message }, 'hstreamdb record not rendered; row failed');
      return ledger.failNew(e instanceof Error ? e : new Error(String(e)), done);
    }
    const key = this.encoder.lastKey;
    const size = bytes.length + key.length + ROW_OVERHEAD_BYTES;
    if (c.queuing >= this.maxRows || c.queuingBytes + size > this.config.maxBufferBytes) {
      this.rl.log('warn', 'queue_full', { action: this.name, queuing: c.queuing, queuingBytes: c.queuingBytes }, 'hstreamdb action queue full; dropping new rows');
      return ledger.dropNew('queue_full', done);
    }
    const r: Row = { bytes, key, size, deadline: Date.now() + this.config.requestTtlMs, done };
    ledger.enqueue(r);
    if (done && this.config.queryMode === 'sync') this.syncDeadlines.watch(r);
    this.dispatcher.accept(r);
  }

  stats(): ActionStats {
    return this.ledger.snapshot();
  }

  resetStats(): void {
    this.ledger.reset();
  }

  status(): ConnectorStatus {
    if (this.state === 'closed' || this.dispatcher.blocked) return 'disconnected';
    const cs = this.connector.status();
    if (!this.dispatcher.hasRouting) return cs === 'disconnected' ? 'disconnected' : 'connecting';
    return cs;
  }

  /** Status with a reason a person can act on. */
  health(): { status: ConnectorStatus; reason: string } {
    const status = this.status();
    if (this.dispatcher.blocked) return { status, reason: this.dispatcher.blocked.message };
    if (status !== 'connected') return { status, reason: this.connector.reason() || (this.dispatcher.hasRouting ? '' : 'discovering shards') };
    return { status, reason: '' };
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

  /** Stops accepting rows, sends open batches, waits up to `graceMs`, then drops what is left ('closed'). */
  async close(graceMs = 5000): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const wasStarted = this.state !== 'new';
    this.state = 'closing';
    if (wasStarted && this.dispatcher.hasRouting) {
      this.dispatcher.flushAll();
      await this.ledger.whenIdle(graceMs);
    }
    this.state = 'closed';
    this.syncDeadlines.stop();
    this.dispatcher.stop();
    this.ledger.wakeAll();
  }
}

/** Creates an HStreamDB action on a shared connector. Call `start()` before (or after) the first `send`. */
export function createHStreamAction(name: string, config: ActionConfig, connector: HStreamConnector, opts?: ActionOptions): HStreamAction {
  return new HStreamAction(name, config, connector, opts);
}
