import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { DiskQueue } from '../../../sinks/buffer/disk-queue.js';
import { crc32, crc32Table } from '../../../sinks/buffer/crc32.js';
import { BUFFER_ERROR_CODES, BufferError } from '../../../sinks/buffer/errors.js';
import { FrameReader, frameHeader } from '../../../sinks/buffer/frame.js';
import { openSync, closeSync } from 'node:fs';

const tempDir = () => mkdtempSync(join(tmpdir(), 'rulemq-buffer-'));
const rec = (i: number, pad = 0) => Buffer.from(`record-${i}${'.'.repeat(pad)}`);
const turn = () => new Promise((r) => setImmediate(r));

/** Reads every unread record: [seq, text]. */
function readAll(q: DiskQueue, max = 1_000_000): [number, string][] {
  const out: [number, string][] = [];
  q.read(max, Number.MAX_SAFE_INTEGER, (seq, body) => out.push([seq, body.toString()]));
  return out;
}

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();

test('crc32: the table-driven fallback equals zlib for random inputs and known vectors', () => {
  assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32Table(Buffer.alloc(0)), 0);
  for (let i = 0; i < 200; i++) {
    const b = Buffer.alloc(i * 7);
    for (let j = 0; j < b.length; j++) b[j] = (j * 31 + i * 17) & 0xff;
    assert.equal(crc32Table(b), zlibCrc32(b));
    assert.equal(crc32(b), zlibCrc32(b));
  }
});

test('every BufferError code is documented', () => {
  for (const [code, doc] of Object.entries(BUFFER_ERROR_CODES)) assert.ok(doc.length > 20, code);
  const used = new Set<string>();
  const root = new URL('../../../../sinks/buffer/', import.meta.url);
  for (const name of readdirSync(root)) {
    if (!name.endsWith('.ts')) continue;
    for (const m of readFileSync(new URL(name, root), 'utf8').matchAll(/BufferError\(\s*'([A-Z_]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size >= 3);
  for (const code of used) assert.ok(code in BUFFER_ERROR_CODES, code);
  assert.equal(new BufferError('BUFFER_IO', 'x').code, 'BUFFER_IO');
});

test('records come back in order with increasing sequence numbers; acknowledged ones do not come back after a reopen', async () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.equal(q.recovery.records, 0);
  for (let i = 0; i < 10; i++) q.append(rec(i), false);
  assert.equal(q.unread, 10);
  const got = readAll(q, 4);
  assert.deepEqual(got, [
    [0, 'record-0'],
    [1, 'record-1'],
    [2, 'record-2'],
    [3, 'record-3'],
  ]);
  assert.equal(q.unread, 6);
  q.ack(1); // out of order: the ack position cannot pass record 0
  q.ack(0);
  q.ack(3);
  await turn();
  q.close();

  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  // 2 was never acknowledged, 3 was but sits behind it: both come back (at-least-once)
  assert.deepEqual(q2.recovery, { records: 8, bytes: 8 * 8, corruptTails: 0, skippedBytes: 0, ackReset: false });
  assert.deepEqual(
    readAll(q2).map(([, t]) => t),
    ['record-2', 'record-3', 'record-4', 'record-5', 'record-6', 'record-7', 'record-8', 'record-9'],
  );
  for (let s = 0; s < 8; s++) q2.ack(s);
  q2.close();
  const q3 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.equal(q3.recovery.records, 0);
  q3.close();
});

test('taken records are handed out at once and survive a restart until acknowledged', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  const a = q.append(rec(1), true);
  const b = q.append(rec(2), true);
  assert.deepEqual([a, b, q.unread, q.outstanding], [0, 1, 0, 2]);
  assert.throws(() => {
    q.append(rec(3), false);
    q.append(rec(4), true);
  }, /older records wait unread/);
  q.ack(a);
  q.close();
  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(
    readAll(q2).map(([, t]) => t),
    ['record-2', 'record-3'],
  );
  q2.close();
});

test('segments rotate at segmentBytes, and wholly acknowledged ones are deleted', async () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1000 });
  for (let i = 0; i < 100; i++) q.append(rec(i, 90), false); // ~108 bytes per record → ~10 segments
  q.flush();
  const before = segments(dir).length;
  assert.ok(before >= 9, `segments ${before}`);
  const seqs: number[] = [];
  q.read(50, Number.MAX_SAFE_INTEGER, (seq) => seqs.push(seq));
  for (const s of seqs) q.ack(s);
  await turn();
  const after = segments(dir).length;
  assert.ok(after <= before - 4, `${before} → ${after}`);
  assert.equal(q.diskUsage().segments, after);
  q.close();
  const q2 = DiskQueue.open(dir, { segmentBytes: 1000 });
  assert.equal(q2.recovery.records, 50);
  assert.deepEqual(
    readAll(q2).map(([, t]) => t.replace(/\.+$/, '')),
    Array.from({ length: 50 }, (_, i) => `record-${i + 50}`),
  );
  q2.close();
});

test('a truncated tail (crash in the middle of a write) is cut off and counted; the records before it are kept', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  for (let i = 0; i < 5; i++) q.append(rec(i), false);
  q.close();
  const seg = join(dir, segments(dir)[0]);
  const size = statSync(seg).size;
  truncateSync(seg, size - 3); // the last record loses its last 3 bytes
  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.deepEqual(q2.recovery, { records: 4, bytes: 32, corruptTails: 1, skippedBytes: 8 + 8 - 3, ackReset: false });
  assert.deepEqual(
    readAll(q2).map(([, t]) => t),
    ['record-0', 'record-1', 'record-2', 'record-3'],
  );
  q2.append(rec(9), false);
  assert.deepEqual(
    readAll(q2).map(([, t]) => t),
    ['record-9'],
  );
  q2.close();
  assert.equal(statSync(seg).size, size - 16, 'the bad tail was cut off the file');
});

test('a corrupt record (checksum mismatch) ends its segment: later segments are still read', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 50 });
  for (let i = 0; i < 6; i++) q.append(rec(i), false); // 16 bytes each: segments of 4, then 2
  q.close();
  const [first] = segments(dir);
  const path = join(dir, first);
  const bytes = readFileSync(path);
  bytes[16 + 8] ^= 0xff; // the body of the second record
  writeFileSync(path, bytes);
  const q2 = DiskQueue.open(dir, { segmentBytes: 50 });
  assert.equal(q2.recovery.corruptTails, 1);
  assert.equal(q2.recovery.skippedBytes, 48);
  assert.deepEqual(
    readAll(q2).map(([, t]) => t),
    ['record-0', 'record-4', 'record-5'],
  );
  q2.close();
});

test('garbage appended after the last record and a corrupt ack file are both survived', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  for (let i = 0; i < 3; i++) q.append(rec(i), false);
  for (const [s] of readAll(q)) q.ack(s);
  q.append(rec(3), false);
  q.close();
  appendFileSync(join(dir, segments(dir).at(-1)!), Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2]));
  writeFileSync(join(dir, 'ack'), Buffer.from('not an ack slot, 20+ bytes long'));
  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.equal(q2.recovery.ackReset, true);
  assert.equal(q2.recovery.corruptTails, 1);
  // without a trustworthy ack position everything still on disk is replayed: duplicates, not loss
  assert.ok(
    readAll(q2)
      .map(([, t]) => t)
      .includes('record-3'),
  );
  q2.close();
});

test('read hands out at most the asked number of records and bytes: the buffer is never read whole', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20, readChunkBytes: 4096 });
  for (let i = 0; i < 2000; i++) q.append(rec(i, 100), false);
  q.close();
  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20, readChunkBytes: 4096 });
  let n = 0;
  assert.equal(
    q2.read(10, Number.MAX_SAFE_INTEGER, () => n++),
    10,
  );
  assert.equal(
    q2.read(1000, 1000, () => n++),
    10,
  ); // stops once 1000 body bytes were handed out (109 bytes each)
  assert.equal(n, 20);
  assert.equal(q2.unread, 2000 - 20);
  q2.close();
});

test('FrameReader tells a clean end from a truncated or corrupt record', () => {
  const dir = tempDir();
  const path = join(dir, 'f');
  const body = Buffer.from('hello');
  writeFileSync(path, Buffer.concat([frameHeader(body), body, frameHeader(body), body.subarray(0, 2)]));
  const fd = openSync(path, 'r');
  try {
    const r = new FrameReader(fd, 4);
    assert.deepEqual(r.read(0, 26), Buffer.from('hello'));
    assert.equal(r.lastEnd, 13);
    assert.equal(r.read(13, 23), 'truncated');
    assert.equal(r.read(13, 13), 'end');
    const bad = Buffer.concat([frameHeader(body), Buffer.from('hellO')]);
    writeFileSync(path, bad);
    r.reset(fd);
    assert.equal(r.read(0, 13), 'corrupt');
  } finally {
    closeSync(fd);
  }
});

test('a directory is used by one queue at a time; a lock left by a dead process is taken over', () => {
  const dir = tempDir();
  const q = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  assert.throws(
    () => DiskQueue.open(dir, { segmentBytes: 1 << 20 }),
    (e: unknown) => e instanceof BufferError && e.code === 'BUFFER_LOCKED',
  );
  q.close();
  assert.equal(existsSync(join(dir, 'lock')), false);
  writeFileSync(join(dir, 'lock'), '2147480000\n'); // no such process
  const q2 = DiskQueue.open(dir, { segmentBytes: 1 << 20 });
  q2.close();
  writeFileSync(join(dir, 'lock'), `${process.ppid}\n`); // a live process that is not us
  assert.throws(() => DiskQueue.open(dir, { segmentBytes: 1 << 20 }), /in use by process/);
});
