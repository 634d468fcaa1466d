import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyHash } from '../../../sinks/hstreamdb/shards.js';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';

const SEED_TEMPLATE = '{"up_timestamp": ${up_timestamp}, "client_id": ${client_id}, "temp": ${temp}, "hum": ${hum}}';

const withServer = withTestServer;

test('writes the seed row as exactly one typed JSON HRecord in temp_hum, key dev-1, in its hash shard', () =>
  withServer(async (server) => {
    server.createStream('temp_hum', 1);
    const sink = openSink(server, { stream: 'temp_hum', partition_key: '${client_id}', record_template: SEED_TEMPLATE });
    try {
      await sink.action.start();
      const [err] = await sendAll(sink.action, [{ up_timestamp: 1700000000123, client_id: 'dev-1', temp: '27.5', hum: '41.8' }]);
      assert.equal(err, null);
      const records = server.records('temp_hum');
      assert.equal(records.length, 1);
      assert.equal(records[0].flag, 'JSON');
      assert.equal(records[0].key, 'dev-1');
      assert.deepEqual(records[0].value, { up_timestamp: 1700000000123, client_id: 'dev-1', temp: '27.5', hum: '41.8' });
      const [shard] = server.shards('temp_hum');
      assert.equal(records[0].shardId, shard.shardId);
      assert.ok(keyHash('dev-1') >= shard.start && keyHash('dev-1') <= shard.end);
      assert.equal(server.keyShardViolations, 0);
      assert.equal(server.invalidRecords, 0);
      const s = sink.action.stats();
      assert.deepEqual([s.matched, s.success, s.failed, s.dropped, s.queuing, s.inflight], [1, 1, 0, 0, 0, 0]);
      assertInvariant(s);
      assert.equal(sink.action.status(), 'connected');
    } finally {
      await sink.close();
    }
  }));

for (const compression of ['gzip', 'zstd'] as const) {
  test(`writes ${compression} batches that the server decompresses into the same records`, () =>
    withServer(async (server) => {
      server.createStream('s', 1);
      const sink = openSink(server, { stream: 's', compression, batch_size: 100, partition_key: '${id}', record_template: '{"id": ${id}, "n": ${n}}' });
      try {
        await sink.action.start();
        const rows = Array.from({ length: 250 }, (_, i) => ({ id: `d${i % 7}`, n: i }));
        const results = await sendAll(sink.action, rows);
        assert.ok(results.every((e) => e === null));
        const stored = server.records('s');
        assert.equal(stored.length, 250);
        assert.deepEqual(
          stored.map((r) => (r.value as { n: number }).n).sort((a, b) => a - b),
          rows.map((r) => r.n),
        );
        assert.ok(server.appends.every((a) => a.compression === (compression === 'gzip' ? 'Gzip' : 'Zstd')));
        assert.deepEqual([server.batchSizeMismatches, server.zstdWithoutContentSize, server.invalidRecords], [0, 0, 0]);
        assertInvariant(sink.action.stats());
      } finally {
        await sink.close();
      }
    }));
}

for (const shardCount of [2, 4]) {
  test(`spreads keys over ${shardCount} shards: every record in its hash's shard, per-key order kept`, () =>
    withServer(async (server) => {
      server.createStream('s', shardCount);
      const sink = openSink(server, {
        stream: 's',
        batch_size: 20,
        partition_key: '${dev}',
        record_template: '{"dev": ${dev}, "seq": ${seq}}',
        inflight_window: 2,
      });
      try {
        await sink.action.start();
        assert.equal(await sink.action.whenReady(2000), true);
        assert.equal(sink.action.shardCount, shardCount);
        server.faults.appendDelayMs = 5; // lets batches queue up behind each other
        const rows: Record<string, unknown>[] = [];
        for (let seq = 0; seq < 30; seq++) for (let d = 0; d < 40; d++) rows.push({ dev: `dev-${d}`, seq });
        const results = await sendAll(sink.action, rows);
        assert.ok(results.every((e) => e === null));
        const stored = server.records('s');
        assert.equal(stored.length, rows.length);
        assert.equal(server.keyShardViolations, 0);
        const shards = server.shards('s');
        for (const r of stored) {
          const h = keyHash(r.key);
          assert.equal(r.shardId, shards.find((s) => h >= s.start && h <= s.end)!.shardId);
        }
        assert.equal(new Set(stored.map((r) => r.shardId)).size, shardCount, 'every shard got records');
        const lastSeq = new Map<string, number>();
        for (const r of stored) {
          const { dev, seq } = r.value as { dev: string; seq: number };
          assert.ok(seq > (lastSeq.get(dev) ?? -1), `order of ${dev}`);
          lastSeq.set(dev, seq);
        }
        assert.equal(server.maxInProgressPerShard, 1, 'one Append in flight per shard');
        assert.ok(server.maxInProgress <= 2, 'inflight_window bounds Appends across shards');
        assertInvariant(sink.action.stats());
      } finally {
        await sink.close();
      }
    }));
}

test('closes batches at batch_size and flushes the rest after batch_interval; reports metrics', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sizes: number[] = [];
    const seconds: number[] = [];
    const sink = openSink(
      server,
      { stream: 's', batch_size: 10, batch_interval: '30ms' },
      {
        actionOpts: { metrics: { observeBatchSize: (n) => sizes.push(n), observeAppendSeconds: (s) => seconds.push(s) } },
      },
    );
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      const results = await sendAll(
        sink.action,
        Array.from({ length: 95 }, (_, i) => ({ payload: `m${i}` })),
      );
      assert.ok(results.every((e) => e === null));
      assert.deepEqual(
        server.appends.map((a) => a.batchSize),
        [10, 10, 10, 10, 10, 10, 10, 10, 10, 5],
      );
      assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
      assert.equal(seconds.length, 10);
      assert.ok(seconds.every((s) => s > 0 && s < 5));
      const stored = server.records('s');
      assert.equal(stored[0].flag, 'RAW'); // default template ${payload} is written RAW, like EMQX
      assert.deepEqual(
        stored.map((r) => (r.value as Buffer).toString()),
        Array.from({ length: 95 }, (_, i) => `m${i}`),
      );
    } finally {
      await sink.close();
    }
  }));

test('rows that cannot be rendered fail at once and are counted', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', record_format: 'json' });
    try {
      await sink.action.start();
      const [bad, good] = await sendAll(sink.action, [{ payload: 'not json' }, { payload: '{"ok": true}' }]);
      assert.equal((bad as { code?: string }).code, 'SINK_RECORD_UNENCODABLE');
      assert.equal(good, null);
      assert.deepEqual(
        server.records('s').map((r) => r.value),
        [{ ok: true }],
      );
      const s = sink.action.stats();
      assert.deepEqual([s.matched, s.success, s.failed], [2, 1, 1]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('close flushes what it can and drops later rows with reason closed', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_interval: '10s', batch_size: 1000 });
    await sink.action.start();
    await sink.action.whenReady(2000);
    const pending = sendAll(
      sink.action,
      Array.from({ length: 5 }, (_, i) => ({ payload: `${i}` })),
    );
    await sink.action.close(2000); // the open batch is flushed on close, not after 10 s
    assert.ok((await pending).every((e) => e === null));
    const [late] = await sendAll(sink.action, [{ payload: 'late' }]);
    assert.equal((late as { code?: string }).code, 'SINK_CLOSED');
    const s = sink.action.stats();
    assert.deepEqual([s.success, s.dropped, s.droppedByReason.closed], [5, 1, 1]);
    assertInvariant(s);
    assert.equal(sink.action.status(), 'disconnected');
    await sink.connector.close();
  }));

test('actions of one connector share one channel per host:port', () =>
  withServer(async (server) => {
    server.createStream('a', 1);
    server.createStream('b', 2);
    const first = openSink(server, { stream: 'a' });
    try {
      const { createHStreamAction } = await import('../../../sinks/hstreamdb/sink.js');
      const { parseActionSettings } = await import('../../../sinks/hstreamdb/config.js');
      const second = createHStreamAction('b', parseActionSettings({ connector: 'c', stream: 'b', batch_interval: '5ms' }), first.connector);
      await first.action.start();
      await second.start();
      const results = await Promise.all([sendAll(first.action, [{ payload: 'x' }]), sendAll(second, [{ payload: 'y' }])]);
      assert.deepEqual(results, [[null], [null]]);
      assert.equal(first.connector.client.channelCount, 1);
      await second.close(100);
    } finally {
      await first.close();
    }
  }));
