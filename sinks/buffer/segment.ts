/** Segment files of the disk buffer: `0000000001.seg`, `0000000002.seg`... in append order. */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

export interface Segment {
  readonly id: number;
  readonly path: string;
  readonly fd: number;
  /** Bytes in the file, counting records buffered for writing (current segment). */
  size: number;
}

export const SEGMENT_RE = /^(\d{10})\.seg$/;
export const segmentName = (id: number): string => `${String(id).padStart(10, '0')}.seg`;

export function openSegment(dir: string, id: number, flags: 'a+' | 'r+'): Segment {
  const path = join(dir, segmentName(id));
  // a+: appends go to the end whatever the position; reads take an explicit position.
  return { id, path, fd: openSync(path, flags), size: 0 };
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
