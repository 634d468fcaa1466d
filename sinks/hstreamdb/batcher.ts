/**
 * Per-shard batching. Rows routed to a shard fill an open batch, which closes at `batch_size`
 * rows or ~1 MiB encoded. Closed batches wait in order; the action sends at most one batch per
 * shard at a time, which keeps per-key order.
 *
 * Adaptive timing: a partial batch goes out when its shard has no Append out and its time is up —
 * at once when the shard's last Append started `batch_interval` ago or more (an idle shard adds no
 * latency), else `batch_interval` after that start. While an Append is out, rows keep gathering in
 * the open batch instead of closing into small batches, so a busy or slow server gets fewer,
 * fuller Appends, and batches waiting behind an Append are merged (up to MERGE_BATCHES of them, ~1 MiB)
 * into the next one.
 *
 * Spacing: a shard starts at most one Append per APPEND_SPACING_MS (or per `batch_interval` when that
 * is shorter), unless a PUBACK waits on one of its rows. Each Append costs a fixed amount of CPU (an
 * HTTP/2 stream, gRPC framing, the server's request handling) whatever its size, so when rows fill
 * batches faster than that, the batches closing within the spacing ride together in one Append:
 * at high rates CPU per row falls, and latency grows by at most the spacing. An idle shard still
 * sends at once, and a shard filling a batch slower than the spacing never waits for it.
 */
import type { RowDone } from '../contract.js';
import { Fifo } from '../queue.js';
import type { AppendCall } from './appender.js';
import { MAX_BATCH_BYTES, batchEntrySize, writeEntry, type EntryRef } from './record.js';

/**
 * One queued row: where its final bytes are and what is needed to settle it. The bytes are its
 * batch entry (records tag, length, encoded HStreamRecord) in a slab shared with other rows (see
 * Slab): no Buffer object per row. Disk mode: len 0 while the row waits on disk only.
 */
export interface Row extends EntryRef {
  slab: Uint8Array;
  at: number;
  len: number;
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
  /** The Append in progress (cancelled when the action stops). */
  call: AppendCall | undefined;
  timer: NodeJS.Timeout | undefined;
  /**
   * Closed while an Append of its shard was out or within the spacing after one started: part of a
   * backlog, so it may ride in an earlier batch's Append.
   */
  readonly backlog: boolean;
  /** Holds a row a PUBACK waits on (ack_mode = 'sink'): it does not wait for the spacing. */
  readonly urgent: boolean;
  /** Set when the batch's rows were settled or moved elsewhere; late callbacks then do nothing. */
  abandoned: boolean;
  startedAt: number;
}

/** Most closed batches one Append carries when a backlog waits. */
export const MERGE_BATCHES = 10;

/** Shortest time between the starts of two Appends of one shard (see the file comment). */
export const APPEND_SPACING_MS = 5;

/** Size of a slab buffer (larger records get a buffer of their own size). */
export const SLAB_BYTES = 16 * 1024;
/** The slab of a row not placed in one yet (see Row), and of a Slab before its first row. */
export const NO_BYTES = new Uint8Array(0);

/**
 * Where rows' batch entries are written, one after the other, with a fresh buffer when the current
 * one is full. Each shard has its own (and the dispatcher one for rows waiting to be routed), so a
 * batch is usually one contiguous range, copied into the Append at once, and rows of a stalled shard
 * keep only that shard's buffers alive (the memory max_buffer_bytes counts stays close to what is held).
 */
export class Slab {
  private buf: Uint8Array = NO_BYTES;
  private pos = 0;

  /** Copies `record[0, len)` in, framed as a batch entry, and points the row at it. */
  place(r: Row, record: Uint8Array, len: number): void {
    const need = batchEntrySize(len);
    if (this.buf.length - this.pos < need) {
      this.buf = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need));
      this.pos = 0;
    }
    r.slab = this.buf;
    r.at = this.pos;
    r.len = need;
    this.pos = writeEntry(this.buf, this.pos, record, len);
  }
}

export class ShardBatcher {
  /** The batch in an Append or backing off before the next attempt (at most one per shard). */
  current: Batch | null = null;
  private open: Row[] = [];
  private openBytes = 0;
  private readonly closed: Batch[] = [];
  /** This shard's rows' bytes (rows routed here at once from `send`). */
  readonly slab = new Slab();
  private timer: NodeJS.Timeout | undefined;
  /** The open batch holds a row a PUBACK waits on: close it as soon as the shard is idle. */
  private urgent = false;
  /** The pump was told about the open batch's urgent row. */
  private urgentNotified = false;
  /** The open batch's time is up: close it as soon as the shard is idle. */
  private due = false;
  /** performance.now() when this shard's last Append started. */
  private lastStartAt = -Infinity;
  private readonly spacingMs: number;
  /** Armed while closed batches wait for the spacing to end. */
  private spacingTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly shardId: string,
    /** host:port of the node that owns the shard (LookupResource). */
    public target: string,
    private readonly batchSize: number,
    private readonly intervalMs: number,
    private readonly onReady: () => void,
  ) {
    this.spacingMs = Math.min(intervalMs, APPEND_SPACING_MS);
  }

  add(row: Row): void {
    const entry = row.len;
    if (this.open.length > 0 && this.openBytes + entry > MAX_BATCH_BYTES) {
      this.closeOpen();
      this.onReady();
    }
    this.open.push(row);
    this.openBytes += entry;
    if (row.urgent) this.urgent = true;
    if (this.open.length >= this.batchSize) {
      this.closeOpen();
      this.onReady();
      return;
    }
    if (this.open.length === 1) {
      const wait = this.lastStartAt + this.intervalMs - performance.now();
      if (wait <= 0) {
        // Rows arriving in the same event-loop turn still share the batch: the pump runs on setImmediate.
        this.due = true;
        this.onReady();
      } else {
        this.timer = setTimeout(this.onTimer, wait);
      }
    }
    if (row.urgent && !this.urgentNotified) {
      this.urgentNotified = true;
      this.onReady();
    }
  }

  /**
   * Called by the pump when it may start an Append for this shard: an open batch whose time is up
   * (or that holds a row a PUBACK waits on) closes now if nothing of this shard is in flight or
   * waiting. While an Append is out, rows keep gathering and go together once it returns.
   */
  closeIfDue(): void {
    if ((this.due || this.urgent) && this.current === null && this.closed.length === 0) this.closeOpen();
  }

  /** The dispatcher started an Append for this shard. */
  noteStarted(): void {
    this.lastStartAt = performance.now();
  }

  /**
   * Whether the pump may start this shard's next closed batch now: the spacing since its last
   * Append started is over, or a PUBACK waits on the batch. Otherwise the pump is called again
   * when the spacing ends, and batches closing meanwhile join the backlog.
   */
  mayStart(): boolean {
    if (this.closed.length > 0 && this.closed[0].urgent) return true;
    const wait = this.lastStartAt + this.spacingMs - performance.now();
    if (wait <= 0) return true;
    if (this.spacingTimer === undefined) this.spacingTimer = setTimeout(this.onSpacingOver, wait);
    return false;
  }

  private readonly onSpacingOver = (): void => {
    this.spacingTimer = undefined;
    this.onReady();
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.open.length > 0) {
      this.due = true;
      this.onReady();
    }
  };

  /** Closes the open batch now (flush on interval or on close). */
  closeOpen(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const urgent = this.urgent;
    this.urgent = false;
    this.urgentNotified = false;
    this.due = false;
    if (this.open.length === 0) return;
    this.closed.push({
      rows: this.open,
      shard: this,
      phase: 'queued',
      gen: 0,
      attempt: 0,
      timeouts: 0,
      call: undefined,
      backlog: this.current !== null || performance.now() < this.lastStartAt + this.spacingMs,
      urgent,
      timer: undefined,
      abandoned: false,
      startedAt: 0,
    });
    this.open = [];
    this.openBytes = 0;
  }

  hasClosed(): boolean {
    return this.closed.length > 0;
  }

  /**
   * The oldest closed batch, with the batches that closed behind it while an Append was out merged
   * in: a backlog goes out in fewer, larger Appends (up to MERGE_BATCHES × batch_size rows and
   * ~1 MiB), which is what lets one shard keep up when its Appends take longer than filling a batch.
   */
  nextBatch(): Batch | undefined {
    const b = this.closed.shift();
    if (b === undefined || this.closed.length === 0) return b;
    const maxRows = this.batchSize * MERGE_BATCHES;
    let bytes = 0;
    for (const r of b.rows) bytes += r.len;
    while (this.closed.length > 0) {
      const next = this.closed[0];
      // Batches closed while the shard was idle keep batch_size; only a backlog rides along.
      if (!next.backlog || b.rows.length + next.rows.length > maxRows) break;
      let nextBytes = 0;
      for (const r of next.rows) nextBytes += r.len;
      if (bytes + nextBytes > MAX_BATCH_BYTES) break;
      this.closed.shift();
      for (const r of next.rows) b.rows.push(r);
      bytes += nextBytes;
    }
    return b;
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
    this.urgentNotified = false;
    this.due = false;
    this.stop();
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
      this.openBytes = this.open.reduce((n, r) => n + r.len, 0);
      if (this.open.length === 0) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.due = this.urgent = this.urgentNotified = false;
      }
    }
    return out;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.spacingTimer) clearTimeout(this.spacingTimer);
    this.spacingTimer = undefined;
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
