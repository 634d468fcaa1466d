/**
 * Per-shard batching. Rows routed to a shard fill an open batch, which closes at `batch_size`
 * rows, at ~1 MiB encoded, or `batch_interval` after its first row. Closed batches wait in order;
 * the action sends at most one batch per shard at a time, which keeps per-key order.
 */
import type { ClientUnaryCall } from '@grpc/grpc-js';
import type { RowDone } from '../contract.js';
import { Fifo } from '../queue.js';
import { MAX_BATCH_BYTES, batchEntrySize } from './record.js';

/** One queued row: its final record bytes and what is needed to settle it. */
export interface Row {
  /** The encoded HStreamRecord (disk mode: empty while the row waits on disk only). */
  bytes: Buffer;
  key: string;
  /** Bytes counted against max_buffer_bytes. */
  readonly size: number;
  /** Date.now() after which the row is expired (request_ttl); disk mode: when its caller stops waiting (Infinity without one). */
  readonly deadline: number;
  /** Cleared once called: the row's caller is told exactly once. */
  done: RowDone | undefined;
  /** A client's PUBACK waits on this row (ack_mode = 'sink'): its batch goes out without waiting for batch_interval. */
  readonly urgent: boolean;
  /** Disk mode: the row's sequence number in the disk buffer (acknowledged once the row settles); -1 in memory mode. */
  readonly seq: number;
  /** Its caller was already told "timed out": a later success counts as a late reply. */
  late: boolean;
}

export type BatchPhase = 'queued' | 'rpc' | 'backoff';

export interface Batch {
  rows: Row[];
  readonly shard: ShardBatcher;
  phase: BatchPhase;
  /** Routing generation the batch was sent under. */
  gen: number;
  attempt: number;
  /** Attempts of this batch that ended in DEADLINE_EXCEEDED (each next one gets a longer deadline). */
  timeouts: number;
  /** compress(encode(BatchHStreamRecords)), kept across retries while the rows are unchanged. */
  payload: Buffer | undefined;
  call: ClientUnaryCall | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Set when the batch's rows were settled or moved elsewhere; late callbacks then do nothing. */
  abandoned: boolean;
  startedAt: number;
}

export class ShardBatcher {
  /** The batch in an Append or backing off before the next attempt (at most one per shard). */
  current: Batch | null = null;
  private open: Row[] = [];
  private openBytes = 0;
  private readonly closed: Batch[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The open batch holds a row a PUBACK waits on: close it as soon as the shard is idle. */
  private urgent = false;

  constructor(
    readonly shardId: string,
    /** host:port of the node that owns the shard (LookupResource). */
    public target: string,
    /** Encoded streamName + shardId of every AppendRequest to this shard. */
    readonly requestPrefix: Buffer,
    private readonly batchSize: number,
    private readonly intervalMs: number,
    private readonly onReady: () => void,
  ) {}

  add(row: Row): void {
    const entry = batchEntrySize(row.bytes.length);
    if (this.open.length > 0 && this.openBytes + entry > MAX_BATCH_BYTES) {
      this.closeOpen();
      this.onReady();
    }
    this.open.push(row);
    this.openBytes += entry;
    if (this.open.length >= this.batchSize) {
      this.closeOpen();
      this.onReady();
    } else {
      if (this.open.length === 1) this.timer = setTimeout(this.onTimer, this.intervalMs);
      if (row.urgent && !this.urgent) {
        // Rows arriving in the same event-loop turn still share the batch: the pump runs on setImmediate.
        this.urgent = true;
        this.onReady();
      }
    }
  }

  /**
   * Called by the pump when nothing of this shard is in flight or waiting: an open batch that
   * holds a PUBACK goes out now instead of after batch_interval. While an Append is out, rows keep
   * gathering in the open batch and go together once it returns.
   */
  closeIfUrgent(): void {
    if (this.urgent && this.current === null && this.closed.length === 0) this.closeOpen();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.open.length > 0) {
      this.closeOpen();
      this.onReady();
    }
  };

  /** Closes the open batch now (flush on interval or on close). */
  closeOpen(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.urgent = false;
    if (this.open.length === 0) return;
    this.closed.push({
      rows: this.open, shard: this, phase: 'queued', gen: 0, attempt: 0, timeouts: 0, payload: undefined, call: undefined,
      timer: undefined, abandoned: false, startedAt: 0,
    });
    this.open = [];
    this.openBytes = 0;
  }

  hasClosed(): boolean {
    return this.closed.length > 0;
  }

  nextBatch(): Batch | undefined {
    return this.closed.shift();
  }

  /** Rows waiting in closed and open batches, oldest first; removes them. */
  takeRows(): Row[] {
    const out: Row[] = [];
    for (const b of this.closed) for (const r of b.rows) out.push(r);
    for (const r of this.open) out.push(r);
    this.closed.length = 0;
    this.open = [];
    this.openBytes = 0;
    this.urgent = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return out;
  }

  /** Removes expired rows from the front of the waiting batches; returns them. */
  takeExpired(now: number): Row[] {
    const out: Row[] = [];
    while (this.closed.length > 0) {
      const b = this.closed[0];
      let i = 0;
      while (i < b.rows.length && b.rows[i].deadline <= now) out.push(b.rows[i++]);
      if (i === 0) return out;
      if (i < b.rows.length) {
        b.rows = b.rows.slice(i);
        return out;
      }
      this.closed.shift();
    }
    let i = 0;
    while (i < this.open.length && this.open[i].deadline <= now) out.push(this.open[i++]);
    if (i > 0) {
      this.open = this.open.slice(i);
      this.openBytes = this.open.reduce((n, r) => n + batchEntrySize(r.bytes.length), 0);
      if (this.open.length === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    }
    return out;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Sync query mode (and, in disk mode, every caller): tells each waiting caller "timed out" at its
 * row's request_ttl if the row has not settled by then. Rows are watched in arrival order (their deadlines grow with it), so one
 * timer for the oldest is enough.
 */
export class SyncDeadlines {
  private readonly rows = new Fifo<Row>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onTimeout: (done: RowDone) => void) {}

  watch(r: Row): void {
    this.rows.push(r);
    if (!this.timer) this.arm();
  }

  private arm(): void {
    let head = this.rows.peek();
    while (head && head.done === undefined) {
      this.rows.shift(); // settled already
      head = this.rows.peek();
    }
    if (head) this.timer = setTimeout(this.fire, Math.max(0, head.deadline - Date.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    let head = this.rows.peek();
    while (head && (head.done === undefined || head.deadline <= now)) {
      this.rows.shift();
      const d = head.done;
      if (d) {
        head.done = undefined; // the row's later fate is still counted, but its caller is told only once
        head.late = true;
        this.onTimeout(d);
      }
      head = this.rows.peek();
    }
    this.arm();
  };

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.rows.drain();
  }
}
