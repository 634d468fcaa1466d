/**
 * A durable FIFO of opaque records in a directory: numbered append-only segment files
 * (`0000000001.seg`, frame.ts format), an ack file with the position of the oldest record not yet
 * acknowledged (ack-file.ts), and a lock file (lock.ts).
 *
 * - `append` buffers the record and writes every buffered record with one write per event-loop
 *   turn (and on `flush`); data reaches the OS at once (it survives a kill -9 of the process) and
 *   is fdatasync'ed every `syncIntervalMs` (a power loss can cost that much).
 * - Records are handed out in order, either at once (`append(body, true)`, when nothing older
 *   waits unread) or later by `read`, which reads the files in bounded chunks: the buffer is never
 *   loaded into memory whole.
 * - `ack(seq)` may come in any order; the ack position advances over the acknowledged prefix and
 *   segments wholly behind it are deleted. After a restart, every record from the ack position on
 *   is handed out again: records acknowledged out of order, or acknowledged in the last turn before
 *   a crash, come back (at-least-once).
 * - Opening scans the unacknowledged records, checking each checksum; a truncated or corrupt tail
 *   (a crash during a write) is cut off and counted in `recovery`.
 */
import { fdatasync, fdatasyncSync, mkdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AckFile } from './ack-file.js';
import { BufferError } from './errors.js';
import { FRAME_HEADER_BYTES, FrameReader, frameHeader } from './frame.js';
import { lockDir } from './lock.js';
import { scanDirectory, type RecoveryReport } from './recovery.js';
import { closeQuietly, openSegment, type Segment } from './segment.js';

export type { RecoveryReport } from './recovery.js';

export interface DiskQueueOptions {
  /** A new segment file starts once the current one holds this many bytes. */
  segmentBytes: number;
  /** Bytes read per disk read (default 1 MiB). */
  readChunkBytes?: number;
  /** Period of fdatasync of written segments (default 1000 ms; 0 = only on close). */
  syncIntervalMs?: number;
  /** Called when writing buffered records fails (they are kept and written again later). */
  onWriteError?: (err: Error) => void;
}

export class DiskQueue {
  readonly recovery: RecoveryReport;
  /** Segments in id order; the last one is the one being written. */
  private readonly segments: Segment[];
  private cur: Segment;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private turnScheduled = false;
  private writeError: Error | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private unsynced = false;

  // read cursor: the next record not yet handed out
  private readSeg: Segment;
  private readOff: number;
  private readSeq = 0;
  private appendSeq: number;
  private unreadCount: number;
  private unreadBody: number;
  private readonly reader: FrameReader;
  private readerFd = -1;

  // records handed out and not yet part of the acknowledged prefix, in seq order
  private oSeg: number[] = [];
  private oEnd: number[] = [];
  private oAcked: boolean[] = [];
  private oHead = 0;
  private oFirstSeq = 0;
  private commitSeg: number;
  private commitOff: number;
  private commitDirty = false;
  private readonly ackFile: AckFile;
  private closed = false;
  /** Records or tails found unreadable after opening (disk damage while running). */
  runtimeCorrupt = 0;

  private constructor(
    readonly dir: string,
    private readonly opts: DiskQueueOptions,
    private readonly releaseLock: () => void,
    segments: Segment[],
    start: { segment: number; offset: number },
    recovery: RecoveryReport,
  ) {
    this.recovery = recovery;
    this.segments = segments;
    const nextId = segments.length > 0 ? segments[segments.length - 1].id + 1 : 1;
    this.cur = openSegment(dir, nextId, 'a+');
    segments.push(this.cur);
    this.readSeg = segments.find((s) => s.id === start.segment) ?? this.cur;
    this.readOff = this.readSeg === this.cur ? 0 : start.offset;
    this.commitSeg = this.readSeg.id;
    this.commitOff = this.readOff;
    this.unreadCount = recovery.records;
    this.unreadBody = recovery.bytes;
    this.appendSeq = recovery.records;
    this.reader = new FrameReader(-1, opts.readChunkBytes);
    this.ackFile = new AckFile(join(dir, 'ack'));
  }

  /** Opens (creating) `dir`, takes its lock and scans what an earlier run left (recovery.ts). */
  static open(dir: string, opts: DiskQueueOptions): DiskQueue {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new BufferError('BUFFER_IO', `cannot create buffer_dir '${dir}': ${(e as Error).message}`, { cause: e });
    }
    const release = lockDir(dir);
    try {
      const { segments, start, recovery } = scanDirectory(dir, opts.readChunkBytes);
      return new DiskQueue(dir, opts, release, segments, start, recovery);
    } catch (e) {
      release();
      if (e instanceof BufferError) throw e;
      throw new BufferError('BUFFER_IO', `cannot open the buffer in '${dir}': ${(e as Error).message}`, { cause: e });
    }
  }

  /** Records on disk not handed out yet. */
  get unread(): number {
    return this.unreadCount;
  }

  /** Body bytes of those records. */
  get unreadBytes(): number {
    return this.unreadBody;
  }

  /** Records handed out and not yet acknowledged (plus acknowledged ones behind an older unacknowledged one). */
  get outstanding(): number {
    return this.oAcked.length - this.oHead;
  }

  /** Segment files and their bytes. */
  diskUsage(): { segments: number; bytes: number } {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size;
    return { segments: this.segments.length, bytes };
  }

  /**
   * Appends a record and returns its sequence number. `taken`: the caller keeps the record
   * (it counts as handed out at once); only allowed while nothing waits unread.
   */
  append(body: Buffer, taken: boolean): number {
    if (this.closed) throw new BufferError('BUFFER_CLOSED', 'the disk buffer is closed');
    if (this.writeError) throw new BufferError('BUFFER_IO', `writing the disk buffer failed: ${this.writeError.message}`, { cause: this.writeError });
    if (taken && this.unreadCount > 0) throw new Error('DiskQueue.append(taken) while older records wait unread');
    let cur = this.cur;
    if (cur.size >= this.opts.segmentBytes) cur = this.rotate();
    this.pending.push(frameHeader(body), body);
    this.pendingBytes += FRAME_HEADER_BYTES + body.length;
    cur.size += FRAME_HEADER_BYTES + body.length;
    const seq = this.appendSeq++;
    if (taken) {
      this.readSeq++;
      this.readSeg = cur;
      this.readOff = cur.size;
      this.pushOutstanding(cur.id, cur.size);
    } else {
      this.unreadCount++;
      this.unreadBody += body.length;
    }
    this.scheduleTurn();
    return seq;
  }

  /**
   * Hands out up to `maxRecords` unread records (stopping once `maxBytes` body bytes were
   * handed out) to `onRecord`, in order; returns how many.
   */
  read(maxRecords: number, maxBytes: number, onRecord: (seq: number, body: Buffer) => void): number {
    if (this.unreadCount === 0 || this.closed) return 0;
    this.flush(); // the records asked for may still sit in the write buffer
    let n = 0;
    let bytes = 0;
    while (n < maxRecords && bytes < maxBytes && this.unreadCount > 0) {
      const seg = this.readSeg;
      if (this.readerFd !== seg.fd) {
        this.reader.reset(seg.fd);
        this.readerFd = seg.fd;
      }
      const r = this.reader.read(this.readOff, seg === this.cur ? seg.size - this.pendingBytes : seg.size);
      if (typeof r === 'string') {
        if (r !== 'end') this.runtimeCorrupt++;
        const next = this.segments[this.segments.indexOf(seg) + 1];
        if (!next || (r === 'end' && seg === this.cur)) {
          // Nothing more on disk although the count said so (damage while running): resync.
          this.runtimeCorrupt += this.unreadCount;
          this.unreadCount = 0;
          this.unreadBody = 0;
          break;
        }
        this.readSeg = next;
        this.readOff = 0;
        continue;
      }
      const seq = this.readSeq++;
      this.readOff = this.reader.lastEnd;
      this.pushOutstanding(seg.id, this.readOff);
      this.unreadCount--;
      this.unreadBody -= r.length;
      n++;
      bytes += r.length;
      onRecord(seq, r);
    }
    return n;
  }

  /** Acknowledges a handed-out record (any order). Unknown or repeated sequence numbers are ignored. */
  ack(seq: number): void {
    const i = this.oHead + (seq - this.oFirstSeq);
    if (i < this.oHead || i >= this.oAcked.length || this.oAcked[i]) return;
    this.oAcked[i] = true;
    if (i !== this.oHead) return;
    while (this.oHead < this.oAcked.length && this.oAcked[this.oHead]) {
      this.commitSeg = this.oSeg[this.oHead];
      this.commitOff = this.oEnd[this.oHead];
      this.oHead++;
      this.oFirstSeq++;
    }
    if (this.oHead === this.oAcked.length) {
      this.oSeg = [];
      this.oEnd = [];
      this.oAcked = [];
      this.oHead = 0;
    } else if (this.oHead >= 4096 && this.oHead * 2 >= this.oAcked.length) {
      this.oSeg = this.oSeg.slice(this.oHead);
      this.oEnd = this.oEnd.slice(this.oHead);
      this.oAcked = this.oAcked.slice(this.oHead);
      this.oHead = 0;
    }
    this.commitDirty = true;
    this.scheduleTurn();
  }

  /** Writes buffered records to the current segment now. */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    let off = 0;
    try {
      while (off < data.length) off += writeSync(this.cur.fd, data, off, data.length - off);
    } catch (e) {
      // Keep what was not written (ENOSPC may pass); new appends fail until a write succeeds.
      this.pending = [data.subarray(off)];
      this.pendingBytes = data.length - off;
      if (!this.writeError) this.opts.onWriteError?.(e as Error);
      this.writeError = e as Error;
      this.scheduleRetry();
      return;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.writeError = undefined;
    this.unsynced = true;
    this.scheduleSync();
  }

  /** Flushes, stores the ack position, syncs and closes every file, releases the lock. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    try {
      this.writeCommit();
      fdatasyncSync(this.cur.fd);
    } catch {
      // closing anyway; the next open replays from the last stored position
    }
    for (const s of this.segments) closeQuietly(s.fd);
    this.ackFile.close();
    this.releaseLock();
  }

  // ------------------------------------------------------------------ internals

  private pushOutstanding(segment: number, end: number): void {
    if (this.oAcked.length === this.oHead) this.oFirstSeq = this.readSeq - 1;
    this.oSeg.push(segment);
    this.oEnd.push(end);
    this.oAcked.push(false);
  }

  private rotate(): Segment {
    this.flush();
    const next = openSegment(this.dir, this.cur.id + 1, 'a+');
    this.segments.push(next);
    this.cur = next;
    return next;
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.turn);
  }

  /** Once per event-loop turn: write what was appended, then store the ack position. */
  private readonly turn = (): void => {
    this.turnScheduled = false;
    if (this.closed) return;
    this.flush();
    if (!this.commitDirty || this.writeError) return;
    try {
      this.writeCommit();
    } catch (e) {
      // The position is written again at the next acknowledgement; until then a restart replays more.
      this.commitDirty = true;
      this.opts.onWriteError?.(e as Error);
    }
  };

  private writeCommit(): void {
    this.commitDirty = false;
    this.ackFile.write({ segment: this.commitSeg, offset: this.commitOff });
    this.deleteConsumed();
  }

  /** Deletes segments wholly behind the ack position (never the one being written). */
  private deleteConsumed(): void {
    while (this.segments.length > 1) {
      const s = this.segments[0];
      const consumed = s.id < this.commitSeg || (s.id === this.commitSeg && this.commitOff >= s.size);
      if (!consumed) return;
      this.segments.shift();
      if (this.readSeg === s) {
        this.readSeg = this.segments[0];
        this.readOff = 0;
      }
      if (this.readerFd === s.fd) this.readerFd = -1;
      closeQuietly(s.fd);
      try {
        unlinkSync(s.path);
      } catch {
        // already gone; nothing to free
      }
    }
  }

  private scheduleSync(): void {
    const ms = this.opts.syncIntervalMs ?? 1000;
    if (ms <= 0 || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.closed || !this.unsynced) return;
      this.unsynced = false;
      fdatasync(this.cur.fd, () => undefined);
    }, ms);
    this.syncTimer.unref();
  }

  private scheduleRetry(): void {
    setTimeout(() => {
      if (!this.closed) this.flush();
    }, 1000).unref();
  }
}
