/**
 * Fault scenarios 3, 4, 5, 6, 8 and 10, end to end through MQTT (the sink-level versions
 * are in tests/sinks/hstreamdb/sink-faults.test.ts). Each counts lost and duplicated sequence
 * numbers and ends with the statistics invariant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { HStreamTestServer, selfSignedCert, withTestServer } from '../support/hstream-server.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { httpGet, httpPost } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { SeqDevice } from './device.js';
import { STREAM, account, assertStatsInvariant, settled, startDeliveryBroker } from './support.js';

function withServer(
  shards: number,
  fn: (server: HStreamTestServer) => Promise<void>,
  opts?: ConstructorParameters<typeof HStreamTestServer>[0],
): Promise<void> {
  return withTestServer(async (server) => {
    if (shards > 0) server.createStream(STREAM, shards);
    await fn(server);
  }, opts);
}

test('scenario 3a: a slow HStreamDB with ack_mode = broker: the queue stays at its bound, the overflow is dropped and counted, memory stays flat', () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { batch_size: 10, max_batches: 5, inflight_window: 1 } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'fast', topic: 'dev/fast/seq', window: 100, padding: 200 });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.appendDelayMs = 100;
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rb.action.stats().queuing)), 5);
      await dev.start(3000);
      await dev.allAcked(20_000);
      await eventually(() => rb.action.stats().matched === 3000, 5000, 'rows matched'); // rules run after the PUBACK
      clearInterval(sampler);
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      server.faults.appendDelayMs = 0;
      const s = await settled(rb.action, 15_000);
      assert.ok(peak <= 50, `queuing peaked at ${peak} (bound 50)`);
      assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
      const acc = account(server, 'fast', dev.acked);
      assert.equal(acc.duplicates, 0);
      assert.equal(acc.stored + s.droppedByReason.queue_full, 3000, 'every message is either stored or counted as dropped.queue_full');
      assert.ok(s.droppedByReason.queue_full > 0);
      assertStatsInvariant(s);
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test("scenario 3b: a slow HStreamDB with ack_mode = 'sink': devices are slowed down instead, nothing is dropped", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'", batch_size: 10, max_batches: 5, inflight_window: 1 } });
    const devs = ['s1', 's2'].map((id) => new SeqDevice({ port: () => rb.mqttPort, clientId: id, topic: `dev/${id}/seq`, window: 20 }));
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.appendDelayMs = 50;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rb.action.stats().queuing + rb.action.stats().inflight)), 5);
      await Promise.all(devs.map((d) => d.start(200)));
      await Promise.all(devs.map((d) => d.allAcked(30_000)));
      clearInterval(sampler);
      const s = await settled(rb.action);
      assert.ok(peak <= 40, `rows held peaked at ${peak}: never more than the devices' windows`);
      for (const d of devs) assert.deepEqual(account(server, d.clientId, d.acked), { stored: 200, duplicates: 0, ackedButLost: [] });
      assert.deepEqual([s.success, s.dropped, s.failed], [400, 0, 0]);
      assertStatsInvariant(s);
    } finally {
      for (const d of devs) d.stop();
      await rb.close();
    }
  }));

test("scenario 4: UNAVAILABLE on the first 5 Appends: every row is written exactly once after the retries (ack_mode = 'sink')", () =>
  withServer(2, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'u1', topic: 'dev/u1/seq', window: 10 });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.failAppends = 5;
      server.faults.failAppendsCode = status.UNAVAILABLE;
      await dev.start(200);
      await dev.allAcked(20_000);
      const s = await settled(rb.action);
      assert.deepEqual(account(server, 'u1', dev.acked), { stored: 200, duplicates: 0, ackedButLost: [] });
      assert.equal((server.calls.Append ?? 0) - server.appends.length, 5, 'exactly the 5 refused Appends were repeated');
      assert.ok(s.retried >= 5);
      assert.deepEqual([s.success, s.failed, s.dropped, dev.closes], [200, 0, 0, 0]);
      assertStatsInvariant(s);
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test('scenario 5: an Append committed but never answered: the retry writes the batch again (counted as retried), and a reply after request_ttl counts as late_reply', () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'", grpc_flush_timeout: "'400ms'", request_ttl: "'3s'" } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'c1', topic: 'dev/c1/seq', window: 5 });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.commitNoReply = 1;
      await dev.start(50);
      await dev.allAcked(15_000);
      let s = await settled(rb.action);
      const acc = account(server, 'c1', dev.acked);
      assert.deepEqual([acc.stored, acc.ackedButLost], [50, []]);
      // The unanswered batch went twice: its rows are the duplicates, and exactly the rows retried.
      assert.ok(acc.duplicates >= 1 && acc.duplicates <= 5, `duplicates ${acc.duplicates}`);
      assert.equal(s.retried, acc.duplicates);
      assert.deepEqual([s.success, s.lateReply], [50, 0]);
      assertStatsInvariant(s);

      // A reply that comes after request_ttl (3 s) but within the Append deadline: written, late.
      dev.stop();
      await rb.close();
      const late = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'", grpc_flush_timeout: "'5s'", request_ttl: "'300ms'" } });
      const dev2 = new SeqDevice({ port: () => late.mqttPort, clientId: 'c2', topic: 'dev/c2/seq' });
      try {
        assert.equal(await late.action.whenReady(5000), true);
        server.faults.appendDelayMs = 800;
        await dev2.start(1);
        await dev2.allAcked(10_000);
        s = await settled(late.action);
        assert.deepEqual([s.lateReply, s.success, s.dropped], [1, 0, 0]);
        assert.deepEqual(account(server, 'c2', dev2.acked), { stored: 1, duplicates: 0, ackedButLost: [] });
        assertStatsInvariant(s);
      } finally {
        dev2.stop();
        await late.close();
      }
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test('scenario 6: the stream is deleted: rows fail fast without an Append storm, logs are rate-limited, and sink-mode devices are refused at once', () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { batch_size: 10 } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'g1', topic: 'dev/g1/seq', window: 20 });
    try {
      await dev.start(50);
      await dev.allAcked(10_000);
      await server.waitForRecords(STREAM, 50, 10_000);
      await settled(rb.action);
      server.deleteStream(STREAM);
      const appendsBefore = server.calls.Append ?? 0;
      const more = new SeqDevice({ port: () => rb.mqttPort, clientId: 'g2', topic: 'dev/g2/seq', window: 20 });
      await more.start(500);
      await more.allAcked(10_000);
      more.stop();
      await eventually(() => rb.action.stats().matched === 550, 5000, 'rows matched');
      const s = await settled(rb.action);
      assert.equal(s.failed, 500);
      assert.deepEqual([s.success, s.dropped], [50, 0]);
      assert.ok(s.retried <= 10, `retried ${s.retried}: at most the batch that found out`);
      assert.ok((server.calls.Append ?? 0) - appendsBefore <= 2, `Appends after the deletion: ${(server.calls.Append ?? 0) - appendsBefore}`);
      assertStatsInvariant(s);
      const logged = rb.broker.logs.filter((l) => /hstreamdb (Append failed|writes blocked)/.test(l)).length;
      assert.ok(logged >= 1 && logged <= 3, `${logged} log lines for 500 failed rows`);
      assert.equal(rb.action.status(), 'disconnected');
    } finally {
      dev.stop();
      await rb.close();
    }

    // ack_mode = 'sink' on a missing stream: refused at once (connection closed), not after request_ttl.
    const sink = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const held = new SeqDevice({ port: () => sink.mqttPort, clientId: 'g3', topic: 'dev/g3/seq', reconnectMs: 5000 });
    try {
      const t0 = Date.now();
      await held.start(1);
      await held.until(() => held.closes >= 1, 10_000, 'the refusal');
      assert.ok(Date.now() - t0 < 10_000);
      assert.equal(held.acked.size, 0);
      assertStatsInvariant(await settled(sink.action));
    } finally {
      held.stop();
      await sink.close();
    }
  }));

test('scenario 8: a small queue while HStreamDB is down: dropped.queue_full is exactly the overflow, and the queued rows are written in order', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 1);
  await server.stop();
  const rb = await startDeliveryBroker({ port: server.port, action: { batch_size: 10, max_batches: 2 } });
  const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'q1', topic: 'dev/q1/seq', window: 100 });
  try {
    await dev.start(100);
    await dev.allAcked(10_000);
    // Broker mode: the PUBACK goes out before the rules run, so wait for the rows to arrive.
    await eventually(() => rb.action.stats().matched === 100, 5000, 'rows matched');
    const before = rb.action.stats();
    assert.deepEqual([before.queuing, before.dropped, before.droppedByReason.queue_full], [20, 80, 80]);
    await server.start();
    const s = await settled(rb.action, 15_000);
    assert.deepEqual(
      server.records(STREAM).map((r) => (r.value as { seq: number }).seq),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual([s.success, s.dropped, s.droppedByReason.queue_full], [20, 80, 80]);
    assertStatsInvariant(s);
  } finally {
    dev.stop();
    await rb.close();
    await server.stop();
  }
});

const cert = selfSignedCert();

test(
  'scenario 10: a TLS certificate rulemq does not trust: the action says why, rows expire, and the broker keeps serving',
  { skip: cert ? false : 'openssl not available' },
  () =>
    withServer(
      1,
      async (server) => {
        const rb = await startDeliveryBroker({ port: server.port, scheme: 'hstreams', action: { ack_mode: "'sink'", request_ttl: "'1s'" } });
        const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 't1', topic: 'dev/t1/seq', reconnectMs: 5000 });
        const other = await connectClient(rb.mqttUrl, { clientId: 'bystander' });
        try {
          const test = await httpPost(rb.httpPort, '/api/v5/connectors/hs/test', {});
          assert.match(JSON.stringify(test.json), /TLS handshake with 127\.0\.0\.1:\d+ failed/);
          await dev.start(1);
          await dev.until(() => dev.closes >= 1, 10_000, 'the refusal after request_ttl');
          assert.equal(dev.acked.size, 0);
          assert.equal(rb.action.status(), 'disconnected');
          assert.match(rb.action.health().reason, /TLS handshake .* failed.*ssl_ca/);
          const actions = (JSON.parse((await httpGet(rb.httpPort, '/api/v5/actions')).text) as { data: { name: string; status: string }[] }).data;
          assert.equal(actions.find((a) => a.name === 'to_hs')!.status, 'disconnected');
          await other.publishAsync('dev/bystander/seq', '{"seq": 1}', { qos: 0 }); // the broker still serves
          const s = await settled(rb.action);
          assert.equal(s.droppedByReason.expired, s.matched);
          assertStatsInvariant(s);
          assert.equal(server.records(STREAM).length, 0);
        } finally {
          dev.stop();
          await endAll(other);
          await rb.close();
        }
      },
      { tls: cert },
    ),
);
