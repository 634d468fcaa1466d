/**
 * buffer_mode = 'disk' for an HStreamDB action: every accepted row is appended to a DiskQueue
 * (sinks/buffer) before it is dispatched, and leaves it once it is written or failed for good, so
 * rows queued during an outage survive a restart of rulemq and are written when HStreamDB is back.
 *
 * Memory stays bounded: at most `windowRows` rows (max_batches × batch_size) and `windowBytes`
 * are held in memory for dispatch; the rest wait on disk only and are read back in order as the
 * window empties. A row that arrives while older rows wait on disk goes to disk only (per-key
 * order is kept). Rows whose caller waits (ack_mode = 'sink', sync query mode) keep a small shell
 * in memory that carries the caller until the row is read back; the other disk-only rows keep
 * only their settle callback, run-length encoded (one entry for a run of rows from the same rule).
 */
import { DiskQueue, type RecoveryReport } from '../buffer/disk-queue.js';
import type { RowDone } from '../contract.js';
import { Fifo } from '../queue.js';
import { NO_BYTES, type Row, type SyncDeadlines } from './batcher.js';
import type { ActionConfig } from './config.js';
import type { Dispatcher } from './dispatch.js';
import { callDone, type RowLedger } from './ledger.js';
import type { Logger, RateLimitedLog } from '../../common/logger.js';

/** Bookkeeping bytes added to each row's size (row object, array slots); same as sink.ts. */
const ROW_OVERHEAD_BYTES = 96;
/** Most record bytes held in memory for dispatch in disk mode. */
export const DISK_WINDOW_BYTES = 16 * 1024 * 1024;

/** Segment file size: an eighth of max_buffer_bytes, between 1 MiB and 64 MiB. */
export function segmentBytesFor(maxBufferBytes: number): number {
  return Math.max(1024 * 1024, Math.min(64 * 1024 * 1024, Math.floor(maxBufferBytes / 8)));
}

/** `[key length u32 LE][key UTF-8][encoded HStreamRecord]`: what one row is on disk. */
export function encodeBody(key: string, record: Buffer): Buffer {
  const keyLen = Buffer.byteLength(key, 'utf8');
  const body = Buffer.allocUnsafe(4 + keyLen + record.length);
  body.writeUInt32LE(keyLen, 0);
  body.write(key, 4, keyLen, 'utf8');
  record.copy(body, 4 + keyLen);
  return body;
}

export function rowSize(body: Buffer): number {
  return body.length + ROW_OVERHEAD_BYTES;
}

export interface BacklogDeps {
  readonly name: string;
  readonly config: ActionConfig;
  readonly ledger: RowLedger;
  readonly dispatcher: Dispatcher;
  readonly deadlines: SyncDeadlines;
  readonly logger: Logger;
  readonly rl: RateLimitedLog;
}

/** A row as the action hands it to the disk buffer. */
export interface NewRow {
  /** What is stored on disk: the partition key and the encoded record, framed. */
  readonly body: Buffer;
  /** The encoded record inside `body`. */
  readonly record: Buffer;
  readonly key: string;
  /** Bytes counted against max_buffer_bytes. */
  readonly size: number;
  /** request_ttl, as epoch milliseconds. */
  readonly deadline: number;
  readonly done: RowDone | undefined;
  /** A PUBACK waits on it: send without waiting for the batch interval. */
  readonly urgent: boolean;
  /** Its caller waits for the outcome (held PUBACK, sync query mode) and is told by request_ttl. */
  readonly waiting: boolean;
}

export class DiskBacklog {
  /** Why the buffer could not be opened (rows then fail at once). */
  error: Error | undefined;
  private queue: DiskQueue | undefined;
  private inMemory = 0;
  private inMemoryBytes = 0;
  /** One entry per disk-only row written in this run, in disk order: a shell (waiting caller) or a run of rows with the same callback. */
  private readonly diskOnly = new Fifo<Row | Run>();
  private lastRun: Run | undefined;
  /** Rows found at start have sequence numbers below this and no callback. */
  private recoveredRows = 0;
  private refillScheduled = false;
  private refilling = true;
  private readonly windowRows: number;
  private readonly windowBytes: number;

  constructor(private readonly d: BacklogDeps) {
    this.windowRows = d.config.maxBatches * d.config.batchSize;
    this.windowBytes = Math.min(d.config.maxBufferBytes, DISK_WINDOW_BYTES);
    d.ledger.keepOnClose = true;
    d.ledger.onRemoved = (r) => this.onRemoved(r);
  }

  /** Opens the directory and counts what an earlier run left (as matched + queuing). */
  open(): void {
    const { config, logger, name } = this.d;
    try {
      this.queue = DiskQueue.open(config.bufferDir!, {
        segmentBytes: segmentBytesFor(config.maxBufferBytes),
        onWriteError: (e) =>
          logger.error({ action: name, dir: config.bufferDir, err: e.message }, 'hstreamdb disk buffer: write failed; new rows fail until a write succeeds'),
      });
    } catch (e) {
      this.error = e as Error;
      logger.error(
        { action: name, dir: config.bufferDir, err: (e as Error).message },
        'hstreamdb disk buffer cannot be opened; rows fail until the action is reloaded',
      );
      return;
    }
    const rec = this.queue.recovery;
    this.recoveredRows = rec.records;
    this.d.ledger.recovered(rec.records, rec.bytes + rec.records * ROW_OVERHEAD_BYTES);
    if (rec.records > 0 || rec.corruptTails > 0 || rec.ackReset) {
      const level = rec.corruptTails > 0 || rec.ackReset ? 'warn' : 'info';
      logger[level]({ action: name, dir: config.bufferDir, ...rec }, 'hstreamdb disk buffer: rows from an earlier run will be written');
    }
    this.scheduleRefill();
  }

  get recovery(): RecoveryReport | undefined {
    return this.queue?.recovery;
  }

  /** Rows on disk not yet read back, and the buffer's files. */
  usage(): { unread: number; segments: number; diskBytes: number } {
    const q = this.queue;
    if (!q) return { unread: 0, segments: 0, diskBytes: 0 };
    const u = q.diskUsage();
    return { unread: q.unread, segments: u.segments, diskBytes: u.bytes };
  }

  /** Takes a new row (already counted as matched and checked against max_buffer_bytes). */
  push(row: NewRow): void {
    const { body, record, key, size, deadline, done, urgent, waiting } = row;
    const q = this.queue;
    const { ledger } = this.d;
    if (!q) return ledger.failNew(this.error ?? new Error('disk buffer not open'), done);
    const direct = q.unread === 0 && this.inMemory < this.windowRows && this.inMemoryBytes + size <= this.windowBytes;
    let seq: number;
    try {
      seq = q.append(body, direct);
    } catch (e) {
      this.d.rl.log('error', 'disk', { action: this.d.name, err: (e as Error).message }, 'hstreamdb disk buffer: row not stored; row failed');
      return ledger.failNew(e as Error, done);
    }
    if (!direct && !waiting) {
      ledger.enqueueOnDisk(size);
      const run = this.lastRun;
      if (run !== undefined && run.done === done) {
        run.count++;
      } else {
        this.lastRun = new Run(done);
        this.diskOnly.push(this.lastRun);
      }
      return;
    }
    const r: Row = {
      slab: NO_BYTES,
      at: 0,
      len: 0,
      key: direct ? key : '',
      size,
      deadline: waiting ? deadline : Infinity,
      done,
      urgent,
      seq,
      late: false,
    };
    ledger.enqueue(r);
    if (waiting) this.d.deadlines.watch(r);
    if (direct) {
      this.inMemory++;
      this.inMemoryBytes += size;
      this.d.dispatcher.accept(r, record, record.length);
    } else {
      this.diskOnly.push(r);
      this.lastRun = undefined;
    }
  }

  /** Stops reading rows back from disk (closing). */
  stopRefill(): void {
    this.refilling = false;
  }

  /** Tells callers of disk-only rows that the action closed (the rows stay on disk) and closes the files. */
  close(err: Error): void {
    this.refilling = false;
    this.lastRun = undefined;
    for (const e of this.diskOnly.drain()) {
      if (e instanceof Run) {
        if (e.done) for (let i = 0; i < e.count; i++) callDone(e.done, err);
        continue;
      }
      const d = e.done;
      e.done = undefined;
      if (d) callDone(d, err);
    }
    try {
      this.queue?.close();
    } catch (e) {
      this.d.logger.warn({ action: this.d.name, err: (e as Error).message }, 'hstreamdb disk buffer: error while closing');
    }
  }

  private onRemoved(r: Row): void {
    if (r.seq < 0) return;
    this.queue?.ack(r.seq);
    this.inMemory--;
    this.inMemoryBytes -= r.size;
    this.scheduleRefill();
  }

  private scheduleRefill(): void {
    if (this.refillScheduled || !this.refilling || !this.queue || this.queue.unread === 0) return;
    this.refillScheduled = true;
    setImmediate(this.refill);
  }

  /** Reads waiting rows back into memory, as many as the window has room for, and dispatches them. */
  private readonly refill = (): void => {
    this.refillScheduled = false;
    const q = this.queue;
    if (!q || !this.refilling) return;
    const freeRows = this.windowRows - this.inMemory;
    const freeBytes = this.windowBytes - this.inMemoryBytes;
    if (freeRows <= 0 || freeBytes <= 0) return;
    try {
      this.readBack(q, freeRows, freeBytes);
    } catch (e) {
      this.d.rl.log(
        'error',
        'disk-read',
        { action: this.d.name, dir: this.d.config.bufferDir, err: (e as Error).message },
        'hstreamdb disk buffer: reading rows back failed; trying again in 1 s',
      );
      setTimeout(() => this.scheduleRefill(), 1000).unref();
    }
  };

  private readBack(q: DiskQueue, freeRows: number, freeBytes: number): void {
    q.read(freeRows, freeBytes, (seq, body) => {
      const keyLen = body.readUInt32LE(0);
      const key = body.toString('utf8', 4, 4 + keyLen);
      const record = body.subarray(4 + keyLen);
      const size = rowSize(body);
      let r: Row;
      const head = seq < this.recoveredRows ? undefined : this.diskOnly.peek();
      if (head === undefined || head instanceof Run) {
        let done: RowDone | undefined;
        if (head !== undefined) {
          done = head.done;
          if (--head.count === 0) {
            this.diskOnly.shift();
            if (this.lastRun === head) this.lastRun = undefined;
          }
        }
        r = { slab: NO_BYTES, at: 0, len: 0, key, size, deadline: Infinity, done, urgent: false, seq, late: false };
      } else {
        this.diskOnly.shift();
        head.key = key;
        r = head;
      }
      this.inMemory++;
      this.inMemoryBytes += size;
      this.d.dispatcher.accept(r, record, record.length);
    });
  }
}

/** Consecutive disk-only rows that share a settle callback (typically the rule's counter). */
class Run {
  count = 1;
  constructor(readonly done: RowDone | undefined) {}
}
