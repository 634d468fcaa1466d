import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';

const codeOf = (e: Error | null): string | undefined => (e as { code?: string } | null)?.code;

const withServer = withTestServer;

test('server down at start: rows wait for the shard map and are written once it is up', () =>
  withServer(async (server) => {
    server.createStream('s', 2);
    await server.stop(); // the port is known, nothing listens
    const sink = openSink(server, { stream: 's', partition_key: '${k}', record_template: '{"k": ${k}}' });
    try {
      await sink.action.start();
      const results = sendAll(
        sink.action,
        Array.from({ length: 20 }, (_, i) => ({ k: `k${i}` })),
      );
      assert.equal(await sink.action.whenReady(150), false);
      assert.notEqual(sink.action.status(), 'connected');
      assert.equal(sink.action.stats().queuing, 20);
      await server.start();
      assert.ok((await results).every((e) => e === null));
      assert.equal(server.records('s').length, 20);
      const s = sink.action.stats();
      // No Append was attempted while the server was down (no shard map yet), so nothing was re-sent.
      assert.deepEqual([s.success, s.retried, s.dropped], [20, 0, 0]);
      assertInvariant(s);
      assert.equal(sink.action.status(), 'connected');
    } finally {
      await sink.close();
    }
  }));

test('server gone after discovery: Appends are retried and land when it is back', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10 });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      await server.stop();
      const results = sendAll(
        sink.action,
        Array.from({ length: 10 }, (_, i) => ({ payload: `${i}` })),
      );
      const t0 = Date.now();
      while (sink.action.stats().retried < 20 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(sink.action.stats().retried >= 20, 'at least two retries of the 10-row batch');
      await server.start();
      assert.ok((await results).every((e) => e === null));
      assert.deepEqual(
        server.records('s').map((r) => String(r.value)),
        Array.from({ length: 10 }, (_, i) => `${i}`),
      );
      const s = sink.action.stats();
      assert.equal(s.success, 10);
      assert.equal(s.retried % 10, 0);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('UNAVAILABLE on the first 3 Appends: the same batch is retried 3 times, then written once', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 5 });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.failAppends = 3;
      const results = await sendAll(
        sink.action,
        Array.from({ length: 5 }, (_, i) => ({ payload: `${i}` })),
      );
      assert.ok(results.every((e) => e === null));
      assert.equal(server.calls.Append, 4);
      assert.equal(server.records('s').length, 5);
      const s = sink.action.stats();
      assert.deepEqual([s.success, s.retried, s.failed], [5, 15, 0]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('INVALID_ARGUMENT fails the batch without a retry', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 5 });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.failAppends = 1;
      server.faults.failAppendsCode = status.INVALID_ARGUMENT;
      const results = await sendAll(
        sink.action,
        Array.from({ length: 5 }, (_, i) => ({ payload: `${i}` })),
      );
      assert.ok(results.every((e) => codeOf(e) === 'SINK_UNRECOVERABLE'));
      assert.equal(server.calls.Append, 1);
      const s = sink.action.stats();
      assert.deepEqual([s.failed, s.retried, s.success], [5, 0, 0]);
      assertInvariant(s);
      // the next batch goes through
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'next' }]), [null]);
    } finally {
      await sink.close();
    }
  }));

test('a slow server fills a small queue: the newest rows are dropped and counted exactly, memory stays bounded', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10, max_batches: 2, inflight_window: 1 });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 50;
      const results = sendAll(
        sink.action,
        Array.from({ length: 100 }, (_, i) => ({ payload: `${i}` })),
      );
      const s1 = sink.action.stats();
      assert.deepEqual([s1.queuing, s1.dropped, s1.droppedByReason.queue_full], [20, 80, 80]);
      const settled = await results;
      assert.equal(settled.filter((e) => codeOf(e) === 'SINK_QUEUE_FULL').length, 80);
      // order kept: the first 20 rows are the ones written
      assert.deepEqual(
        server.records('s').map((r) => String(r.value)),
        Array.from({ length: 20 }, (_, i) => `${i}`),
      );
      const s = sink.action.stats();
      assert.deepEqual([s.success, s.dropped], [20, 80]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('max_buffer_bytes bounds the queued bytes', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', max_buffer_bytes: '4KB', batch_size: 1000, batch_interval: '50ms' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      let peak = 0;
      const settlements: Promise<Error | null>[] = [];
      for (let i = 0; i < 100; i++) {
        settlements.push(new Promise((resolve) => sink.action.send({ payload: 'x'.repeat(200) }, { ruleName: 't' }, resolve)));
        peak = Math.max(peak, sink.action.stats().queuingBytes);
      }
      assert.ok(peak <= 4096, `peak ${peak}`);
      const settled = await Promise.all(settlements);
      const accepted = settled.filter((e) => e === null).length;
      const perRow = 200 + 3 /* record framing */ + 2 + 2 + 96; // payload + tags/lengths + overhead
      assert.ok(accepted >= 1 && accepted <= Math.floor(4096 / perRow) + 1, `accepted ${accepted}`);
      const s = sink.action.stats();
      assert.equal(s.droppedByReason.queue_full, 100 - accepted);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('rows not written within request_ttl are dropped as expired', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    // Long enough for at least one retry of the batch even on a busy machine (the first backoff is ~100 ms).
    const sink = openSink(server, { stream: 's', request_ttl: '600ms' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.unavailable = true;
      const results = await sendAll(
        sink.action,
        Array.from({ length: 7 }, (_, i) => ({ payload: `${i}` })),
      );
      assert.ok(results.every((e) => codeOf(e) === 'SINK_EXPIRED'));
      const s = sink.action.stats();
      assert.deepEqual([s.dropped, s.droppedByReason.expired, s.success, s.queuing, s.inflight], [7, 7, 0, 0, 0]);
      assert.ok(s.retried >= 7);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('sync mode: the caller hears back by request_ttl; a reply after that counts as late_reply', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', query_mode: 'sync', request_ttl: '200ms', grpc_flush_timeout: '2s' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 500;
      const t0 = Date.now();
      const [err] = await sendAll(sink.action, [{ payload: 'slow' }]);
      const waited = Date.now() - t0;
      assert.equal(codeOf(err), 'SINK_REQUEST_TIMEOUT');
      assert.ok(waited >= 190 && waited < 450, `waited ${waited} ms`);
      assert.equal(await sink.action.whenIdle(2000), true);
      const s = sink.action.stats();
      assert.deepEqual([s.lateReply, s.success, s.inflight], [1, 0, 0]);
      assert.equal(server.records('s').length, 1);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('stream deleted: rows fail fast without an RPC storm, and writing resumes when it is back', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10, health_check_interval: '100ms' });
    try {
      await sink.action.start();
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'before' }]), [null]);
      server.deleteStream('s');
      const appendsBefore = server.calls.Append ?? 0;
      const first = await sendAll(
        sink.action,
        Array.from({ length: 10 }, () => ({ payload: 'x' })),
      );
      assert.ok(first.every((e) => codeOf(e) === 'SINK_STREAM_NOT_FOUND'));
      const listShardsAfterDetect = server.calls.ListShards ?? 0;
      for (let round = 0; round < 20; round++) {
        const more = await sendAll(
          sink.action,
          Array.from({ length: 10 }, () => ({ payload: 'y' })),
        );
        assert.ok(more.every((e) => codeOf(e) === 'SINK_STREAM_NOT_FOUND'));
      }
      assert.equal((server.calls.Append ?? 0) - appendsBefore, 1, 'one Append found out; later rows made no Append');
      assert.ok((server.calls.ListShards ?? 0) - listShardsAfterDetect <= 3, 'stream re-checks are paced');
      assert.equal(sink.action.status(), 'disconnected');
      const s = sink.action.stats();
      assert.deepEqual([s.failed, s.retried], [210, 0]);
      assertInvariant(s);
      server.createStream('s', 2);
      await server.waitUntil(
        () => sink.action.status() === 'connected',
        3000,
        () => `status ${sink.action.status()}`,
      );
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'after' }]), [null]);
      assert.deepEqual(
        server.records('s').map((r) => String(r.value)),
        ['after'],
      );
    } finally {
      await sink.close();
    }
  }));

test('an Append committed but never answered is retried after its deadline (duplicates, counted as retried)', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 3, grpc_flush_timeout: '150ms' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.commitNoReply = 1;
      const results = await sendAll(sink.action, [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]);
      assert.ok(results.every((e) => e === null));
      // at-least-once: the first copy was stored although its reply never came
      assert.deepEqual(
        server.records('s').map((r) => String(r.value)),
        ['a', 'b', 'c', 'a', 'b', 'c'],
      );
      const s = sink.action.stats();
      assert.deepEqual([s.success, s.retried], [3, 3]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('a restart with a new shard map re-routes waiting rows: every record in its hash shard, per-key order kept', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10, partition_key: '${dev}', record_template: '{"dev": ${dev}, "seq": ${seq}}' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      const firstHalf = sendAll(
        sink.action,
        Array.from({ length: 100 }, (_, i) => ({ dev: `d${i % 10}`, seq: i })),
      );
      assert.ok((await firstHalf).every((e) => e === null));
      await server.stop();
      server.reshard('s', 4);
      const secondHalf = sendAll(
        sink.action,
        Array.from({ length: 100 }, (_, i) => ({ dev: `d${i % 10}`, seq: 100 + i })),
      );
      await server.start();
      assert.ok((await secondHalf).every((e) => e === null));
      assert.equal(sink.action.shardCount, 4);
      // and a live reshard: Appends to the old shard ids answer UNAVAILABLE, the sink rediscovers
      server.reshard('s', 3);
      const third = sendAll(
        sink.action,
        Array.from({ length: 100 }, (_, i) => ({ dev: `d${i % 10}`, seq: 200 + i })),
      );
      assert.ok((await third).every((e) => e === null));
      assert.equal(sink.action.shardCount, 3);
      const stored = server.records('s');
      assert.equal(stored.length, 300);
      assert.ok(sink.action.stats().retried > 0);
      assert.equal(server.keyShardViolations, 0);
      const last = new Map<string, number>();
      for (const r of stored) {
        const { dev, seq } = r.value as { dev: string; seq: number };
        assert.ok(seq > (last.get(dev) ?? -1), `order of ${dev}`);
        last.set(dev, seq);
      }
      assertInvariant(sink.action.stats());
    } finally {
      await sink.close();
    }
  }));

test('close in memory mode: rows still queued after the grace period are dropped with reason shutdown, counted exactly and logged once at warn', () =>
  withServer(async (server) => {
    server.createStream('s', 1);
    const warnings: { obj: unknown; msg?: string }[] = [];
    const logger = {
      info() {},
      debug() {},
      error() {},
      warn(obj: unknown, msg?: string) {
        warnings.push({ obj, msg });
      },
    };
    const sink = openSink(server, { stream: 's', batch_size: 10 }, { actionOpts: { logger } });
    await sink.action.start();
    await sink.action.whenReady(2000);
    server.faults.unavailable = true;
    const results = sendAll(
      sink.action,
      Array.from({ length: 25 }, (_, i) => ({ payload: `${i}` })),
    );
    await sink.action.close(100);
    const settled = await results;
    assert.ok(settled.every((e) => codeOf(e) === 'SINK_CLOSED'));
    const s = sink.action.stats();
    assert.deepEqual([s.dropped, s.droppedByReason.shutdown, s.queuing, s.inflight, s.success], [25, 25, 0, 0, 0]);
    assertInvariant(s);
    const shutdown = warnings.filter((w) => /reason shutdown/.test(w.msg ?? ''));
    assert.equal(shutdown.length, 1);
    assert.equal((shutdown[0].obj as { dropped: number }).dropped, 25);
    // A row sent after close is refused as closed, not as shutdown.
    assert.equal(codeOf((await sendAll(sink.action, [{ payload: 'late' }]))[0]), 'SINK_CLOSED');
    assert.equal(sink.action.stats().droppedByReason.closed, 1);
    await sink.connector.close();
  }));
