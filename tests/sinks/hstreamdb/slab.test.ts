import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SLAB_BYTES, Slab, type Row } from '../../../sinks/hstreamdb/batcher.js';
import { RecordEncoder, batchEntrySize, encodeBatch } from '../../../sinks/hstreamdb/record.js';

const enc = new RecordEncoder({ partitionKey: '${id}', recordTemplate: '{"id": ${id}, "s": ${s}}', recordFormat: 'auto' });

const newRow = (): Row => ({ slab: new Uint8Array(0), at: 0, len: 0, key: '', size: 0, deadline: 0, done: undefined, urgent: false, seq: -1, late: false });

/** Renders rows as the sink does (encodeInPlace into the scratch buffer) and places them into `slab`; also returns each record's own copy. */
function place(slab: Slab, rows: { id: string; s: string }[]): { placed: Row[]; records: Buffer[] } {
  const placed: Row[] = [];
  const records: Buffer[] = [];
  for (const v of rows) {
    const len = enc.encodeInPlace(v);
    records.push(Buffer.from(enc.scratch.subarray(0, len)));
    const r = newRow();
    slab.place(r, enc.scratch, len);
    placed.push(r);
  }
  return { placed, records };
}

test('rows placed in a slab encode into the same batch bytes as their records, across slab buffers and for records larger than one', () => {
  const slab = new Slab();
  // Small rows fill several slab buffers; two records need more than a whole buffer each.
  const rows = Array.from({ length: 600 }, (_, i) => ({ id: `k${i % 7}`, s: i % 250 === 3 ? 'y'.repeat(SLAB_BYTES + 10) : 'x'.repeat(i % 150) }));
  const { placed, records } = place(slab, rows);
  assert.ok(new Set(placed.map((r) => r.slab)).size > 3, 'the rows span several buffers');
  for (let i = 0; i < placed.length; i++) assert.equal(placed[i].len, batchEntrySize(records[i].length));
  assert.deepEqual(encodeBatch(placed), encodeBatch(records));
  // A batch that skips rows (expired ones removed) and mixes rows of two slabs is still right.
  const other = place(new Slab(), rows.slice(0, 50));
  const mixed = [...placed.filter((_, i) => i % 3 !== 1), ...other.placed, placed[5]];
  const mixedRecords = [...records.filter((_, i) => i % 3 !== 1), ...other.records, records[5]];
  assert.deepEqual(encodeBatch(mixed), encodeBatch(mixedRecords));
});

test('an encoded batch owns its ArrayBuffer (it can be transferred) and later placements do not change it', () => {
  const slab = new Slab();
  const { placed, records } = place(slab, [
    { id: 'a', s: '1' },
    { id: 'b', s: '2' },
  ]);
  const batch = encodeBatch(placed);
  assert.equal(batch.byteOffset, 0);
  assert.equal(batch.buffer.byteLength, batch.length);
  place(slab, [{ id: 'c', s: '3' }]);
  assert.deepEqual(batch, encodeBatch(records));
});
