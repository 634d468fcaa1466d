/**
 * The ack file: where the oldest record not yet acknowledged starts (segment id + byte offset).
 * One fixed 20-byte slot `[magic u32]["segment" u32][offset u64][crc32 of the 16 bytes before]`,
 * rewritten in place: a torn or missing slot reads as "no position" and the buffer replays from
 * its oldest segment (duplicates, never loss).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from './crc32.js';

const MAGIC = 0x41514d52; // 'RMQA' little-endian
const SLOT_BYTES = 20;

export interface QueuePosition {
  readonly segment: number;
  readonly offset: number;
}

/** Reads the stored position, or undefined when the file is missing, short or corrupt. */
export function readAckFile(path: string): { position: QueuePosition | undefined; corrupt: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { position: undefined, corrupt: false };
  }
  try {
    const b = Buffer.alloc(SLOT_BYTES);
    const n = readSync(fd, b, 0, SLOT_BYTES, 0);
    if (n < SLOT_BYTES || b.readUInt32LE(0) !== MAGIC || crc32(b.subarray(0, 16)) !== b.readUInt32LE(16)) {
      return { position: undefined, corrupt: n > 0 };
    }
    return { position: { segment: b.readUInt32LE(4), offset: Number(b.readBigUInt64LE(8)) }, corrupt: false };
  } finally {
    closeSync(fd);
  }
}

/** Keeps the ack file open and rewrites its slot. */
export class AckFile {
  private readonly fd: number;
  private readonly slot = Buffer.alloc(SLOT_BYTES);
  private last: QueuePosition | undefined;

  constructor(path: string) {
    closeSync(openSync(path, 'a')); // create it if missing
    // r+, not a: on Linux a positional write to an O_APPEND descriptor still appends.
    this.fd = openSync(path, 'r+');
  }

  write(p: QueuePosition): void {
    if (this.last && this.last.segment === p.segment && this.last.offset === p.offset) return;
    const b = this.slot;
    b.writeUInt32LE(MAGIC, 0);
    b.writeUInt32LE(p.segment, 4);
    b.writeBigUInt64LE(BigInt(p.offset), 8);
    b.writeUInt32LE(crc32(b.subarray(0, 16)), 16);
    writeSync(this.fd, b, 0, SLOT_BYTES, 0);
    this.last = p;
  }

  close(): void {
    closeSync(this.fd);
  }
}
