import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInvariant, openSink, sendAll, withTestServer } from '../../support/hstream-server.js';

test('a slow server with rows trickling in gets full batches (batch_size), not one small batch per batch_interval', () => withTestServer(async (server) => {
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
        all.push(sendAll(sink.action, Array.from({ length: 20 }, () => ({ payload: String(n++) }))));
        if (n >= 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const results = (await Promise.all(all)).flat();
    assert.ok(results.every((e) => e === null));
    const sizes = server.appends.map((a) => a.batchSize);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 1000);
    // The first Append leaves at once (idle shard); after that rows gather while Appends are out.
    const middle = sizes.slice(1, -1);
    assert.ok(middle.length >= 1 && middle.every((x) => x === 100), `batch sizes ${sizes.join(',')}`);
    assert.deepEqual(server.records('s').map((r) => Number(String(r.value))), Array.from({ length: 1000 }, (_, i) => i), 'order kept');
    assertInvariant(sink.action.stats());
  } finally {
    await sink.close();
  }
}));

test('an idle shard sends a row at once instead of waiting for batch_interval', () => withTestServer(async (server) => {
  server.createStream('s', 1);
  const sink = openSink(server, { stream: 's', batch_size: 100, batch_interval: '60s' });
  try {
    await sink.action.start();
    await sink.action.whenReady(2000);
    const written = sendAll(sink.action, [{ payload: 'a' }, { payload: 'b' }]);
    await server.waitForRecords('s', 2, 10_000); // far below batch_interval
    assert.deepEqual(await written, [null, null]);
    assert.deepEqual(server.appends.map((a) => a.batchSize), [2], 'rows of one event-loop turn share the Append');
    // Right after an Append, the next partial batch waits (up to batch_interval) to gather rows: it goes on close.
    sink.action.send({ payload: 'c' }, { ruleName: 't' });
    sink.action.send({ payload: 'd' }, { ruleName: 't' });
    assert.equal(sink.action.stats().queuing, 2);
  } finally {
    await sink.close();
    assert.deepEqual(server.appends.map((a) => a.batchSize), [2, 2]);
  }
}));
