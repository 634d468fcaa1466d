import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { hstreamRoot } from '../../../sinks/hstreamdb/proto.js';
import {
  MAX_BATCH_BYTES,
  RecordEncoder,
  appendRequestPrefix,
  compressBatch,
  encodeAppendRequest,
  encodeBatch,
  loadZstd,
} from '../../../sinks/hstreamdb/record.js';
import { SinkError } from '../../../sinks/errors.js';

const root = hstreamRoot();
const Batch = root.lookupType('hstream.server.BatchHStreamRecords');

function encoder(recordTemplate: string, partitionKey = '${id}') {
  return new RecordEncoder({ recordTemplate, recordFormat: 'auto', partitionKey });
}

test('an encoded batch decodes (protobufjs) into the same records, headers included', () => {
  const json = encoder('{"id": ${id}}');
  const raw = encoder('id=${id}');
  const records = [json.encode({ id: 'a' }), raw.encode({ id: 'b' }), json.encode({ id: '' }), raw.encode({ id: 'x'.repeat(200) })];
  const decoded = Batch.toObject(Batch.decode(encodeBatch(records)), { enums: String, defaults: true }) as {
    records: { header: { flag: string; key: string; attributes: object }; payload: Uint8Array }[];
  };
  assert.deepEqual(
    decoded.records.map((r) => [r.header.flag, r.header.key]),
    [
      ['JSON', 'a'],
      ['RAW', 'b'],
      ['JSON', ''],
      ['RAW', 'x'.repeat(200)],
    ],
  );
  assert.equal(Buffer.from(decoded.records[1].payload).toString(), 'id=b');
});

test('the same batch encoded by protobufjs and by encodeBatch is byte-identical', () => {
  const enc = encoder('id=${id}');
  const recs = [enc.encode({ id: 'k1' }), enc.encode({ id: 'k2' })];
  const viaPbjs = Batch.encode(Batch.decode(encodeBatch(recs))).finish();
  assert.deepEqual(Buffer.from(viaPbjs), encodeBatch(recs));
});

test('gzip batches are gzip containers of the encoded batch', () => {
  const enc = encoder('{"v": ${v}}');
  const batch = encodeBatch(Array.from({ length: 50 }, (_, i) => enc.encode({ id: `k${i}`, v: i })));
  const gz = compressBatch('gzip', batch);
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
  assert.deepEqual(gunzipSync(gz), batch);
  assert.equal(compressBatch('none', batch), batch);
});

test('zstd batches are one-shot frames whose header carries the content size', async () => {
  await loadZstd();
  const enc = encoder('{"v": ${v}}');
  const batch = encodeBatch(Array.from({ length: 100 }, (_, i) => enc.encode({ id: `k${i}`, v: i })));
  const z = compressBatch('zstd', batch);
  assert.equal(z.readUInt32LE(0), 0xfd2fb528); // zstd magic
  const fhd = z[4];
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  assert.ok(fcsFlag > 0 || single === 1, 'frame content size present');
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag];
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const at = 5 + (single ? 0 : 1) + dictBytes;
  const size = fcsBytes === 4 ? z.readUInt32LE(at) : fcsBytes === 2 ? z.readUInt16LE(at) + 256 : fcsBytes === 1 ? z[at] : Number(z.readBigUInt64LE(at));
  assert.equal(size, batch.length);
  const cli = spawnSync('zstd', ['-d', '-c', '-q'], { input: z });
  if (cli.error) return; // no zstd CLI on this machine: the header check above still stands
  assert.deepEqual(cli.stdout, batch, 'the reference zstd CLI decodes the frame to the batch');
});

test('a record bigger than one Append batch is rejected when rendered', () => {
  const enc = encoder('${payload}');
  assert.throws(
    () => enc.encode({ payload: 'x'.repeat(MAX_BATCH_BYTES) }),
    (e: unknown) => e instanceof SinkError && e.code === 'SINK_RECORD_TOO_LARGE',
  );
  assert.ok(enc.encode({ payload: 'x'.repeat(MAX_BATCH_BYTES - 100) }).length > MAX_BATCH_BYTES - 100);
});

test('AppendRequest is encoded by hand exactly as protobufjs reads it, 64-bit shard ids included', () => {
  const Append = root.lookupType('hstream.server.AppendRequest');
  const payload = Buffer.alloc(300, 7);
  for (const [shardId, compression, enumName] of [
    ['19477587631215380', 'gzip', 'Gzip'],
    ['18446744073709551615', 'none', 'None'],
    ['1', 'zstd', 'Zstd'],
  ] as const) {
    const bytes = encodeAppendRequest(appendRequestPrefix('temp_hum', shardId), compression, 42, payload, 1700000000123);
    const o = Append.toObject(Append.decode(bytes), { longs: String, enums: String, defaults: true }) as {
      streamName: string;
      shardId: string;
      records: { compressionType: string; publishTime: { seconds: string; nanos: number }; batchSize: number; payload: Uint8Array };
    };
    assert.equal(o.streamName, 'temp_hum');
    assert.equal(o.shardId, shardId);
    assert.equal(o.records.compressionType, enumName);
    assert.deepEqual(o.records.publishTime, { seconds: '1700000000', nanos: 123_000_000 });
    assert.equal(o.records.batchSize, 42);
    assert.deepEqual(Buffer.from(o.records.payload), payload);
  }
});
