import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInvariant, openSink, withTestServer } from '../../support/hstream-server.js';
import type { HStreamAction } from '../../../sinks/hstreamdb/sink.js';

/** Sends rows as ack_mode = 'sink' does (a held PUBACK per row) and resolves with each settlement. */
function sendHeld(action: HStreamAction, rows: Record<string, unknown>[]): Promise<(Error | null)[]> {
  return Promise.all(rows.map((row) => new Promise<Error | null>((resolve) => action.send(row, { ruleName: 't', ackHeld: true }, resolve))));
}

test('a server slower than grpc_flush_timeout: timed-out Appends are retried with longer deadlines, the rows are written a bounded number of times and counted as late_reply', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10, grpc_flush_timeout: '100ms', request_ttl: '20s', ack_mode: 'sink' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      // Every Append is stored at once and answered after 350 ms: past the flush timeout, well within request_ttl.
      server.faults.appendDelayMs = 350;
      const batches = 5;
      for (let b = 0; b < batches; b++) {
        const results = await sendHeld(
          sink.action,
          Array.from({ length: 10 }, (_, i) => ({ payload: `${b}-${i}` })),
        );
        assert.deepEqual(results, Array(10).fill(null), 'every held row is acknowledged (written)');
      }
      const stored = server.records('s').map((r) => String(r.value));
      const distinct = new Set(stored);
      assert.equal(distinct.size, batches * 10, 'every row stored');
      // Deadlines 100, 200, 400 ms: the first batch is stored about 3 times; the next ones start at a deadline that
      // worked (at least twice the last answer time). Before, every batch was stored once per retry until request_ttl.
      assert.ok(stored.length <= batches * 10 + 3 * 10, `stored ${stored.length} copies of ${batches * 10} rows`);
      const s = sink.action.stats();
      assert.equal(s.retried, stored.length - batches * 10, 'each extra copy is a counted retry');
      // The replies came after grpc_flush_timeout: written, counted as late replies, not successes.
      assert.deepEqual([s.lateReply, s.success, s.dropped, s.failed], [batches * 10, 0, 0, 0]);
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));

test('after a slow period, Appends answered within grpc_flush_timeout count as success again', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 5, grpc_flush_timeout: '100ms', request_ttl: '20s' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 250;
      assert.deepEqual(
        await sendHeld(
          sink.action,
          Array.from({ length: 5 }, (_, i) => ({ payload: `slow-${i}` })),
        ),
        Array(5).fill(null),
      );
      server.faults.appendDelayMs = 0;
      for (let b = 0; b < 4; b++) {
        assert.deepEqual(
          await sendHeld(
            sink.action,
            Array.from({ length: 5 }, (_, i) => ({ payload: `fast-${b}-${i}` })),
          ),
          Array(5).fill(null),
        );
      }
      const s = sink.action.stats();
      assert.deepEqual([s.lateReply, s.success], [5, 20]);
      const fast = server
        .records('s')
        .map((r) => String(r.value))
        .filter((v) => v.startsWith('fast-'));
      assert.equal(fast.length, 20, 'fast rows written once each');
      assertInvariant(s);
    } finally {
      await sink.close();
    }
  }));
