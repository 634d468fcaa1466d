import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';
import type { RawSettings } from '../../../sinks/settings.js';

const codeOf = (e: Error | null): string | undefined => (e as { code?: string } | null)?.code;
const tempDir = () => mkdtempSync(join(tmpdir(), 'rulemq-disk-'));

const withServer = withTestServer;

const disk = (dir: string, more: RawSettings = {}): RawSettings => ({
  stream: 's',
  buffer_mode: 'disk',
  buffer_dir: dir,
  partition_key: '${k}',
  record_template: '{"k": ${k}, "i": ${i}}',
  ...more,
});

/** Sends rows without waiting for them (as the broker-mode runtime does) and returns at once. */
function fire(action: { send: (row: Record<string, unknown>, env: { ruleName: string }) => void }, rows: Record<string, unknown>[]): void {
  for (const row of rows) action.send(row, { ruleName: 't' });
}

const rows = (from: number, n: number) => Array.from({ length: n }, (_, j) => ({ k: `k${(from + j) % 5}`, i: from + j }));

test('disk mode: rows queued while HStreamDB is down survive closing the action and are written by the next one', () =>
  withServer(async (server) => {
    server.createStream('s', 2);
    const dir = tempDir();
    await server.stop();
    const first = openSink(server, disk(dir));
    await first.action.start();
    fire(first.action, rows(0, 50));
    const s1 = first.action.stats();
    assert.deepEqual([s1.matched, s1.queuing], [50, 50]);
    await first.close();
    const after = first.action.stats();
    assert.deepEqual([after.dropped, after.queuing], [0, 50], 'closing keeps the rows queued (on disk), not dropped');
    assertInvariant(after);

    await server.start();
    const second = openSink(server, disk(dir));
    try {
      await second.action.start();
      const s2 = second.action.stats();
      assert.deepEqual([s2.matched, s2.queuing], [50, 50], 'rows found on disk count as matched and queuing');
      fire(second.action, rows(50, 10));
      assert.equal(await second.action.whenIdle(10_000), true);
      const stored = server.records('s').map((r) => (r.value as { i: number }).i);
      assert.deepEqual(
        [...stored].sort((a, b) => a - b),
        Array.from({ length: 60 }, (_, i) => i),
      );
      // per-key order across the restart
      const last = new Map<string, number>();
      for (const r of server.records('s')) {
        const { k, i } = r.value as { k: string; i: number };
        assert.ok(i > (last.get(k) ?? -1), `order of ${k}`);
        last.set(k, i);
      }
      const s = second.action.stats();
      assert.deepEqual([s.matched, s.success, s.dropped], [60, 60, 0]);
      assertInvariant(s);
      assert.equal(second.action.bufferUsage()!.unread, 0);
    } finally {
      await second.close();
    }
  }));

test('disk mode: memory holds at most max_batches × batch_size rows; the rest is read back from disk in order', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const dir = tempDir();
    await server.stop();
    const sink = openSink(server, disk(dir, { batch_size: 10, max_batches: 1 }));
    try {
      await sink.action.start();
      fire(sink.action, rows(0, 300));
      await new Promise((r) => setTimeout(r, 50));
      const usage = sink.action.bufferUsage()!;
      assert.equal(usage.unread, 290, 'only the window (10 rows) is in memory');
      assert.ok(usage.diskBytes > 300 * 20);
      assert.equal(sink.action.stats().queuing, 300);
      await server.start();
      assert.equal(await sink.action.whenIdle(15_000), true);
      assert.deepEqual(
        server.records('s').map((r) => (r.value as { i: number }).i),
        Array.from({ length: 300 }, (_, i) => i),
      );
      assert.ok(server.appends.every((a) => a.batchSize <= 10));
      const s = sink.action.stats();
      assert.deepEqual([s.success, s.queuing], [300, 0]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('disk mode: max_buffer_bytes bounds the buffer; the newest rows are dropped as queue_full, exactly', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    await server.stop();
    const sink = openSink(server, disk(tempDir(), { max_buffer_bytes: '4KB', record_template: '${p}', partition_key: '' }));
    try {
      await sink.action.start();
      fire(
        sink.action,
        Array.from({ length: 100 }, (_, i) => ({ p: `${String(i).padStart(3, '0')}${'x'.repeat(197)}` })),
      );
      const s = sink.action.stats();
      const size = s.queuingBytes / s.queuing;
      assert.ok(Number.isInteger(size));
      assert.equal(s.queuing, Math.floor(4096 / size));
      assert.equal(s.droppedByReason.queue_full, 100 - s.queuing);
      await server.start();
      assert.equal(await sink.action.whenIdle(10_000), true);
      assert.deepEqual(
        server.records('s').map((r) => (r.value as Buffer).toString().slice(0, 3)),
        Array.from({ length: s.queuing }, (_, i) => String(i).padStart(3, '0')),
      );
      assertInvariant(sink.action.stats());
    } finally {
      await sink.close();
    }
  }));

test('disk mode: a waiting caller hears SINK_REQUEST_TIMEOUT at request_ttl, but the row is not dropped: it is written later as a late reply', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    await server.stop();
    const sink = openSink(server, disk(tempDir(), { query_mode: 'sync', request_ttl: '200ms' }));
    try {
      await sink.action.start();
      const [err] = await sendAll(sink.action, [{ k: 'a', i: 1 }]);
      assert.equal(codeOf(err), 'SINK_REQUEST_TIMEOUT');
      assert.equal(sink.action.stats().queuing, 1);
      await server.start();
      assert.equal(await sink.action.whenIdle(10_000), true);
      assert.equal(server.records('s').length, 1);
      const s = sink.action.stats();
      assert.deepEqual([s.lateReply, s.success, s.dropped], [1, 0, 0]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('disk mode: an Append cut off by close leaves its rows on disk, and the next start writes them (at-least-once)', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const dir = tempDir();
    const first = openSink(server, disk(dir, { grpc_flush_timeout: '5s' }));
    await first.action.start();
    assert.equal(await first.action.whenReady(5000), true);
    server.faults.commitNoReply = 1;
    fire(first.action, rows(0, 5));
    await server.waitForRecords('s', 5, 5000);
    await first.close(); // grace 200 ms: the Append never answers
    assert.equal(first.action.stats().queuing, 5);
    const second = openSink(server, disk(dir));
    try {
      await second.action.start();
      assert.equal(await second.action.whenIdle(10_000), true);
      const seen = server.records('s').map((r) => (r.value as { i: number }).i);
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], 'committed but unanswered: written again');
      assertInvariant(second.action.stats());
    } finally {
      await second.close();
    }
  }));

test('disk mode: a second action on the same buffer_dir reports why and fails its rows instead of sharing the files', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const dir = tempDir();
    const a = openSink(server, disk(dir));
    const b = openSink(server, disk(dir));
    try {
      await a.action.start();
      await b.action.start();
      assert.equal(b.action.status(), 'disconnected');
      assert.match(b.action.health().reason, /already used by another action/);
      const [err] = await sendAll(b.action, [{ k: 'x', i: 0 }]);
      assert.equal(codeOf(err), 'BUFFER_LOCKED');
      assertInvariant(b.action.stats());
      assert.deepEqual(await sendAll(a.action, [{ k: 'x', i: 1 }]), [null]);
    } finally {
      await b.close();
      await a.close();
    }
  }));

test('disk mode: rows that arrive while the action closes go to the buffer, not to dropped.closed', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const dir = tempDir();
    const first = openSink(server, disk(dir));
    await first.action.start();
    assert.equal(await first.action.whenReady(5000), true);
    server.faults.appendDelayMs = 150; // an Append in progress keeps close() waiting
    fire(first.action, rows(0, 3));
    await server.waitForRecords('s', 3, 5000);
    const closing = first.action.close(5000); // waits for the Append in progress
    fire(first.action, rows(3, 4));
    await closing;
    await first.connector.close();
    const s1 = first.action.stats();
    assert.deepEqual([s1.dropped, s1.queuing, s1.success], [0, 4, 3]);
    fire(first.action, rows(7, 1)); // after close: refused
    assert.equal(first.action.stats().droppedByReason.closed, 1);
    server.faults.appendDelayMs = 0;
    const second = openSink(server, disk(dir));
    try {
      await second.action.start();
      assert.equal(await second.action.whenIdle(10_000), true);
      assert.deepEqual(
        server.records('s').map((r) => (r.value as { i: number }).i),
        [0, 1, 2, 3, 4, 5, 6],
      );
      assertInvariant(second.action.stats());
    } finally {
      await second.close();
    }
  }));
