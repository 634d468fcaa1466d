import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendPool } from '../../../sinks/hstreamdb/append-pool.js';
import { InlineAppender } from '../../../sinks/hstreamdb/appender.js';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';

const rowsFor = (devs: number, perDev: number) => Array.from({ length: devs * perDev }, (_, i) => ({ dev: `d${i % devs}`, seq: Math.floor(i / devs) }));

/** Per partition key, the sequence numbers in the order the server stored them. */
function seqsByDev(values: unknown[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const v of values as { dev: string; seq: number }[]) {
    if (!out.has(v.dev)) out.set(v.dev, []);
    out.get(v.dev)!.push(v.seq);
  }
  return out;
}

for (const threads of [0, 1, 3]) {
  test(`append_threads = ${threads}: every row written once, in order per key, counters exact`, () =>
    withTestServer(async (server) => {
      server.createStream('s', 4);
      const sink = openSink(
        server,
        { stream: 's', batch_size: 20, partition_key: '${dev}', record_template: '{"dev": ${dev}, "seq": ${seq}}', inflight_window: 4 },
        { connector: { append_threads: threads } },
      );
      try {
        assert.ok(threads === 0 ? sink.connector.appender instanceof InlineAppender : sink.connector.appender instanceof AppendPool);
        await sink.action.start();
        await sink.action.whenReady(2000);
        server.faults.appendDelayMs = 3; // lets batches gather behind each other
        const results = await sendAll(sink.action, rowsFor(16, 50));
        assert.ok(results.every((e) => e === null));
        const byDev = seqsByDev(server.records('s').map((r) => r.value));
        assert.equal(byDev.size, 16);
        for (const [dev, seqs] of byDev)
          assert.deepEqual(
            seqs,
            Array.from({ length: 50 }, (_, i) => i),
            dev,
          );
        assert.equal(server.keyShardViolations, 0);
        assert.ok(server.maxInProgressPerShard <= 1, 'one Append per shard at a time');
        const s = sink.action.stats();
        assert.deepEqual([s.success, s.retried, s.failed, s.dropped], [800, 0, 0, 0]);
        assertInvariant(s);
      } finally {
        await sink.close();
      }
    }));
}

test('a worker thread that dies mid-Append is restarted; its batches are retried (counted) and written, order per key kept', () =>
  withTestServer(async (server) => {
    server.createStream('s', 2);
    const warnings: string[] = [];
    const logger = {
      info() {},
      debug() {},
      error() {},
      warn(_o: unknown, msg?: string) {
        warnings.push(msg ?? '');
      },
    };
    const sink = openSink(server, { stream: 's', batch_size: 10, partition_key: '${dev}', record_template: '{"dev": ${dev}, "seq": ${seq}}' }, { logger });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      const pool = sink.connector.appender as AppendPool;
      assert.equal(pool.workers.length, 1);
      server.faults.appendDelayMs = 300; // Appends stay in progress long enough to be cut
      const results = sendAll(sink.action, rowsFor(4, 30));
      await server.waitUntil(
        () => (server.calls.Append ?? 0) >= 1,
        5000,
        () => 'an Append in progress',
      );
      const inflight = sink.action.stats().inflight;
      assert.ok(inflight > 0);
      await pool.workers[0].terminate();
      server.faults.appendDelayMs = 0;
      assert.ok((await results).every((e) => e === null));
      assert.equal(pool.restarts, 1);
      assert.equal(pool.workers.length, 1, 'a new thread took over');
      assert.equal(warnings.filter((w) => /append worker thread lost/.test(w)).length, 1);
      const byDev = seqsByDev(server.records('s').map((r) => r.value));
      for (const [dev, seqs] of byDev) {
        // Cut Appends may have been stored before the thread died: a retry can repeat a batch, never reorder.
        const firsts = seqs.filter((x, i) => seqs.indexOf(x) === i);
        assert.deepEqual(
          firsts,
          Array.from({ length: 30 }, (_, i) => i),
          dev,
        );
      }
      const s = sink.action.stats();
      assert.equal(s.success, 120);
      assert.ok(s.retried >= inflight, `retried ${s.retried}, in flight when the thread died ${inflight}`);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('append_threads is validated: 0 to 8', async () => {
  const { parseConnectorSettings } = await import('../../../sinks/hstreamdb/config.js');
  assert.equal(parseConnectorSettings({ url: 'hstream://h:1' }).appendThreads, 1);
  assert.equal(parseConnectorSettings({ url: 'hstream://h:1', append_threads: 0 }).appendThreads, 0);
  assert.throws(() => parseConnectorSettings({ url: 'hstream://h:1', append_threads: 9 }), /append_threads/);
  assert.throws(() => parseConnectorSettings({ url: 'hstream://h:1', append_threads: -1 }), /append_threads/);
});

test('disk mode through a worker thread that dies mid-Append: every row written, the disk buffer emptied, counters exact', () =>
  withTestServer(async (server) => {
    server.createStream('s', 2);
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-disk-'));
    const sink = openSink(server, {
      stream: 's',
      buffer_mode: 'disk',
      buffer_dir: dir,
      batch_size: 10,
      partition_key: '${dev}',
      record_template: '{"dev": ${dev}, "seq": ${seq}}',
    });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 300;
      const results = sendAll(sink.action, rowsFor(4, 25));
      await server.waitUntil(
        () => (server.calls.Append ?? 0) >= 1,
        5000,
        () => 'an Append in progress',
      );
      await (sink.connector.appender as AppendPool).workers[0].terminate();
      server.faults.appendDelayMs = 0;
      assert.ok((await results).every((e) => e === null));
      assert.equal(await sink.action.whenIdle(5000), true);
      const distinct = new Set(server.records('s').map((r) => JSON.stringify(r.value)));
      assert.equal(distinct.size, 100);
      assert.equal(sink.action.bufferUsage()!.unread, 0);
      const s = sink.action.stats();
      assert.equal(s.success, 100);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));
