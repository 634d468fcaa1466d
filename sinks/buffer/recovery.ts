/**
 * What a disk buffer directory holds when it is opened: the segments still needed, where the
 * oldest unacknowledged record starts (the ack file), and how many records follow it. Every record
 * from there on is checked (length and CRC-32) while counting; a truncated or corrupt tail, left by a
 * crash in the middle of a write, is cut off the file and counted. Reads go through FrameReader's
 * chunk cache: a segment is never read into memory whole.
 */
import { fstatSync, ftruncateSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readAckFile, type QueuePosition } from './ack-file.js';
import { FRAME_HEADER_BYTES, FrameReader } from './frame.js';
import { SEGMENT_RE, closeQuietly, openSegment, segmentName, type Segment } from './segment.js';

/** What opening the directory found. */
export interface RecoveryReport {
  /** Records not acknowledged before the last close or crash: they are handed out again. */
  records: number;
  /** Their body bytes. */
  bytes: number;
  /** Segments whose tail was truncated or corrupt (cut off). */
  corruptTails: number;
  /** Bytes cut off in those tails. */
  skippedBytes: number;
  /** The ack file was unreadable: every segment is replayed. */
  ackReset: boolean;
}

/** Scans `dir` (locked by the caller). Segments wholly behind the ack position are deleted. */
export function scanDirectory(dir: string, readChunkBytes?: number): { segments: Segment[]; start: QueuePosition; recovery: RecoveryReport } {
  const segments: Segment[] = [];
  try {
    const ids = readdirSync(dir)
      .map((n) => SEGMENT_RE.exec(n))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const ack = readAckFile(join(dir, 'ack'));
    let start = ack.position;
    for (const id of ids) {
      if (start && id < start.segment) {
        unlinkSync(join(dir, segmentName(id))); // wholly acknowledged before the last stop
        continue;
      }
      const seg = openSegment(dir, id, 'r+');
      seg.size = fstatSync(seg.fd).size;
      segments.push(seg);
    }
    if (!start || !segments.some((s) => s.id === start!.segment)) start = { segment: segments[0]?.id ?? 0, offset: 0 };
    const recovery: RecoveryReport = { records: 0, bytes: 0, corruptTails: 0, skippedBytes: 0, ackReset: ack.corrupt };
    const reader = new FrameReader(-1, readChunkBytes);
    for (const seg of segments) {
      let pos: number = seg.id === start.segment ? Math.min(start.offset, seg.size) : 0;
      if (seg.id === start.segment) start = { segment: seg.id, offset: pos };
      reader.reset(seg.fd);
      for (;;) {
        const r = reader.check(pos, seg.size);
        if (r === 'end') break;
        if (typeof r === 'string') {
          // A crash in the middle of a write leaves a partial record: cut the tail off.
          recovery.corruptTails++;
          recovery.skippedBytes += seg.size - pos;
          ftruncateSync(seg.fd, pos);
          seg.size = pos;
          break;
        }
        recovery.records++;
        recovery.bytes += r - pos - FRAME_HEADER_BYTES;
        pos = r;
      }
    }
    return { segments, start, recovery };
  } catch (e) {
    for (const s of segments) closeQuietly(s.fd);
    throw e;
  }
}
