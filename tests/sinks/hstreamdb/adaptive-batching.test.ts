import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';

test('a slow server with rows trickling in gets full batches (batch_size or more), not one small batch per batch_interval', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 100, batch_interval: '5ms', request_ttl: '30s', grpc_flush_timeout: '10s' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 200;
      // 20 rows every 5 ms: many batch_intervals pass while each Append is out.
      const all: Promise<(Error | null)[]>[] = [];
      let n = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          all.push(
            sendAll(
              sink.action,
              Array.from({ length: 20 }, () => ({ payload: String(n++) })),
            ),
          );
          if (n >= 1000) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      const results = (await Promise.all(all)).flat();
      assert.ok(results.every((e) => e === null));
      const sizes = server.appends.map((a) => a.batchSize);
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        1000,
      );
      // The first Append leaves at once (idle shard); after that rows gather while Appends are out, and the
      // full batches waiting behind an Append go together (at most 10 batches per Append).
      const middle = sizes.slice(1, -1);
      assert.ok(middle.length >= 1 && middle.every((x) => x >= 100 && x <= 1000), `batch sizes ${sizes.join(',')}`);
      assert.ok(sizes.length <= 1 + Math.ceil(1000 / 100), `${sizes.length} Appends for 1000 rows`);
      assert.deepEqual(
        server.records('s').map((r) => Number(String(r.value))),
        Array.from({ length: 1000 }, (_, i) => i),
        'order kept',
      );
      assertInvariant(sink.action.stats());
    } finally {
      await sink.close();
    }
  }));

test('an idle shard sends a row at once instead of waiting for batch_interval', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 100, batch_interval: '60s' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      const written = sendAll(sink.action, [{ payload: 'a' }, { payload: 'b' }]);
      await server.waitForRecords('s', 2, 10_000); // far below batch_interval
      assert.deepEqual(await written, [null, null]);
      assert.deepEqual(
        server.appends.map((a) => a.batchSize),
        [2],
        'rows of one event-loop turn share the Append',
      );
      // Right after an Append, the next partial batch waits (up to batch_interval) to gather rows: it goes on close.
      sink.action.send({ payload: 'c' }, { ruleName: 't' });
      sink.action.send({ payload: 'd' }, { ruleName: 't' });
      assert.equal(sink.action.stats().queuing, 2);
    } finally {
      await sink.close();
      assert.deepEqual(
        server.appends.map((a) => a.batchSize),
        [2, 2],
      );
    }
  }));

test('a backlog behind a slow Append goes out in fewer, larger Appends: up to 10 batches each, order kept', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const sink = openSink(server, { stream: 's', batch_size: 10, request_ttl: '30s', grpc_flush_timeout: '10s' });
    try {
      await sink.action.start();
      await sink.action.whenReady(2000);
      server.faults.appendDelayMs = 200;
      const first = sendAll(sink.action, [{ payload: 'first' }]); // out at once, holds the shard for 200 ms
      await server.waitUntil(
        () => (server.calls.Append ?? 0) >= 1,
        5000,
        () => 'the first Append',
      );
      const rest = sendAll(
        sink.action,
        Array.from({ length: 250 }, (_, i) => ({ payload: String(i) })),
      );
      assert.ok([...(await first), ...(await rest)].every((e) => e === null));
      assert.deepEqual(
        server.appends.map((a) => a.batchSize),
        [1, 100, 100, 50],
      );
      assert.deepEqual(
        server.records('s').map((r) => String(r.value)),
        ['first', ...Array.from({ length: 250 }, (_, i) => String(i))],
      );
      assertInvariant(sink.action.stats());
    } finally {
      await sink.close();
    }
  }));
