/**
 * Records in a segment file: `[length u32 LE][crc32(body) u32 LE][body]`, one after another,
 * appended only. A reader walks them from any record boundary through a small chunk cache, so a
 * segment is never read into memory whole, and tells a clean end from a truncated or corrupt tail.
 */
import { readSync } from 'node:fs';
import { crc32 } from './crc32.js';

export const FRAME_HEADER_BYTES = 8;
/** Larger lengths are read as corruption (an HStreamDB record is at most 1 MiB). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The 8-byte header of a record with this body. */
export function frameHeader(body: Uint8Array): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32LE(body.length, 0);
  h.writeUInt32LE(crc32(body), 4);
  return h;
}

/** What `FrameReader.read` found at a position. */
export type FrameStatus = 'end' | 'truncated' | 'corrupt';

const EMPTY = Buffer.alloc(0);

/** Reads records from one file descriptor with a chunk cache (default 1 MiB reads). */
export class FrameReader {
  /** End offset of the record returned by the last successful `read`. */
  lastEnd = 0;
  private buf: Buffer = EMPTY;
  private bufStart = 0;

  constructor(
    private fd: number,
    private readonly chunkBytes = 1024 * 1024,
  ) {}

  /** Switches to another file (drops the cache). */
  reset(fd: number): void {
    this.fd = fd;
    this.buf = EMPTY;
    this.bufStart = 0;
  }

  /**
   * The body (a copy) of the record starting at `pos`, reading no byte at or past `limit`;
   * 'end' when `pos === limit`; 'truncated' when the record runs past `limit`; 'corrupt'
   * when its length is impossible or its checksum does not match.
   */
  read(pos: number, limit: number): Buffer | FrameStatus {
    const status = this.locate(pos, limit);
    if (status !== undefined) return status;
    const from = pos - this.bufStart + FRAME_HEADER_BYTES;
    return Buffer.from(this.buf.subarray(from, from + this.lastEnd - pos - FRAME_HEADER_BYTES)); // a copy: rows must not pin a chunk
  }

  /** Like `read` without copying the body: the record's end offset, or why there is none. */
  check(pos: number, limit: number): number | FrameStatus {
    return this.locate(pos, limit) ?? this.lastEnd;
  }

  private locate(pos: number, limit: number): FrameStatus | undefined {
    if (pos >= limit) return 'end';
    if (pos + FRAME_HEADER_BYTES > limit) return 'truncated';
    if (!this.ensure(pos, FRAME_HEADER_BYTES, limit)) return 'truncated';
    const at = pos - this.bufStart;
    const len = this.buf.readUInt32LE(at);
    const sum = this.buf.readUInt32LE(at + 4);
    if (len === 0 || len > MAX_BODY_BYTES) return 'corrupt';
    const end = pos + FRAME_HEADER_BYTES + len;
    if (end > limit) return 'truncated';
    if (!this.ensure(pos, FRAME_HEADER_BYTES + len, limit)) return 'truncated';
    const from = pos - this.bufStart + FRAME_HEADER_BYTES;
    if (crc32(this.buf.subarray(from, from + len)) !== sum) return 'corrupt';
    this.lastEnd = end;
    return undefined;
  }

  /** Makes [pos, pos+n) available in the cache; false when the file is shorter than that. */
  private ensure(pos: number, n: number, limit: number): boolean {
    if (pos >= this.bufStart && pos + n <= this.bufStart + this.buf.length) return true;
    const want = Math.min(Math.max(this.chunkBytes, n), limit - pos);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = readSync(this.fd, buf, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    this.buf = got === want ? buf : buf.subarray(0, got);
    this.bufStart = pos;
    return got >= n;
  }
}
