/**
 * Every change of a row's state goes through here, so the counters keep, whenever nothing is moving:
 *   matched = success + failed + dropped + queuing + inflight + lateReply
 * and each row's caller (`done`) is told exactly once.
 */
import { emptyStats, type ActionStats, type RowDone } from '../contract.js';
import { SinkError, type SinkErrorCode } from '../errors.js';
import type { Row } from './batcher.js';

/**
 * queue_full and expired: see sink.ts; closed: a row arrived after the action closed; shutdown: a
 * row still queued or in flight when the action closed (memory mode) and its grace period ended.
 */
export type DropReason = 'queue_full' | 'expired' | 'closed' | 'shutdown';

const DROP_CODE: Record<DropReason, SinkErrorCode> = {
  queue_full: 'SINK_QUEUE_FULL',
  expired: 'SINK_EXPIRED',
  closed: 'SINK_CLOSED',
  shutdown: 'SINK_CLOSED',
};

export class RowLedger {
  readonly c: ActionStats = emptyStats();
  private idleWaiters: (() => void)[] = [];
  /** Disk mode: told about every row that leaves the queue for good (written, failed or dropped). */
  onRemoved: ((r: Row) => void) | undefined;
  /**
   * Disk mode: rows held when the action closes stay in the disk buffer for the next start; they
   * keep counting as queuing (their callers are told SINK_CLOSED) instead of dropped.closed.
   */
  keepOnClose = false;

  constructor(private readonly requestTtlMs: number) {}

  dropError(reason: DropReason): SinkError {
    const text =
      reason === 'expired'
        ? `row not written within request_ttl (${this.requestTtlMs} ms)`
        : reason === 'queue_full'
          ? 'row dropped: the action queue is full'
          : reason === 'shutdown'
            ? 'row dropped: the action shut down before the row was written'
            : 'row dropped: the action is closed';
    return new SinkError(DROP_CODE[reason], text);
  }

  // rows that never entered the queue
  failNew(err: Error, done: RowDone | undefined): void {
    this.c.failed++;
    if (done) callDone(done, err);
  }

  dropNew(reason: DropReason, done: RowDone | undefined): void {
    this.countDrop(reason);
    if (done) callDone(done, this.dropError(reason));
  }

  // queued rows (pending, or waiting in a shard batch)
  enqueue(r: Row): void {
    this.c.queuing++;
    this.c.queuingBytes += r.size;
  }

  /** A row queued without a Row object in memory (disk mode: it waits on disk only). */
  enqueueOnDisk(size: number): void {
    this.c.queuing++;
    this.c.queuingBytes += size;
  }

  failQueued(r: Row, err: Error): void {
    this.unqueue(r);
    this.c.failed++;
    this.settle(r, err);
  }

  dropQueued(r: Row, reason: DropReason): void {
    if (reason === 'closed' && this.keepOnClose) return this.tell(r, this.dropError(reason));
    this.unqueue(r);
    this.countDrop(reason);
    this.settle(r, this.dropError(reason));
  }

  /** Rows found in the disk buffer at start: counted as matched and queuing again. */
  recovered(rows: number, bytes: number): void {
    this.c.matched += rows;
    this.c.queuing += rows;
    this.c.queuingBytes += bytes;
  }

  toInflight(rows: readonly Row[]): void {
    for (const r of rows) this.unqueue(r);
    this.c.inflight += rows.length;
  }

  /** In-flight rows that go back to the queue (re-routed after a shard map change). */
  backToQueue(rows: readonly Row[]): void {
    this.c.inflight -= rows.length;
    for (const r of rows) this.enqueue(r);
  }

  // in-flight rows (in an Append, or waiting to retry one)
  /**
   * The Append carrying the rows returned OK. Rows past their request_ttl, and every row of an
   * Append answered after grpc_flush_timeout (`lateAppend`), count as late replies.
   */
  succeed(rows: readonly Row[], now: number, lateAppend = false): void {
    this.c.inflight -= rows.length;
    for (const r of rows) {
      if (lateAppend || r.late || r.deadline < now) this.c.lateReply++;
      else this.c.success++;
      this.settle(r, null);
    }
    this.checkIdle();
  }

  failInflight(rows: readonly Row[], err: Error): void {
    this.c.inflight -= rows.length;
    this.c.failed += rows.length;
    for (const r of rows) this.settle(r, err);
    this.checkIdle();
  }

  dropInflight(r: Row, reason: DropReason): void {
    this.c.inflight--;
    if (reason === 'closed' && this.keepOnClose) {
      this.enqueue(r);
      return this.tell(r, this.dropError(reason));
    }
    this.countDrop(reason);
    this.settle(r, this.dropError(reason));
  }

  retried(n: number): void {
    this.c.retried += n;
  }

  private unqueue(r: Row): void {
    this.c.queuing--;
    this.c.queuingBytes -= r.size;
  }

  private countDrop(reason: DropReason): void {
    this.c.dropped++;
    this.c.droppedByReason[reason] = (this.c.droppedByReason[reason] ?? 0) + 1;
  }

  /** The row leaves the queue for good: tell its caller (once) and, in disk mode, the buffer. */
  private settle(r: Row, err: Error | null): void {
    if (this.onRemoved !== undefined) this.onRemoved(r);
    this.tell(r, err);
  }

  private tell(r: Row, err: Error | null): void {
    const d = r.done;
    if (d) {
      r.done = undefined;
      callDone(d, err);
    }
  }

  // observation
  snapshot(): ActionStats {
    return { ...this.c, droppedByReason: { ...this.c.droppedByReason } };
  }

  get idle(): boolean {
    return this.c.queuing === 0 && this.c.inflight === 0;
  }

  checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.idle) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves true once nothing is queued or in flight; false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    return this.idle ? Promise.resolve(true) : waitFor(this.idleWaiters, timeoutMs);
  }

  /** Wakes every whenIdle waiter (on close). */
  wakeAll(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

export function callDone(done: RowDone, err: Error | null): void {
  try {
    done(err);
  } catch {
    // a caller's callback must not break the sink
  }
}

/** Pushes a waker onto `list` and resolves true when it is called, false after `timeoutMs`. */
export function waitFor(list: (() => void)[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const i = list.indexOf(fire);
      if (i >= 0) list.splice(i, 1);
      resolve(false);
    }, timeoutMs);
    function fire(): void {
      clearTimeout(timer);
      resolve(true);
    }
    list.push(fire);
  });
}
