/**
 * Fault scenarios 1, 2 and 7, end to end: devices publish numbered messages over MQTT,
 * rulemq writes them to the in-process HStreamDB test server, which goes away and comes back.
 * Each scenario counts lost and duplicated sequence numbers and ends with the statistics invariant.
 * (The 10 s outage is ~2 s here to keep the suite short; benchmarks/faults.ts runs it longer.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HStreamTestServer } from '../support/hstream-server.js';
import { eventually } from '../support/rules-broker.js';
import { SeqDevice } from './device.js';
import { STREAM, account, assertStatsInvariant, settled, startDeliveryBroker } from './support.js';

const OUTAGE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('scenario 1: HStreamDB down when rulemq starts and up ~2 s later: nothing lost, nothing written twice', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 2);
  await server.stop();
  const rb = await startDeliveryBroker({ port: server.port });
  const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'early', topic: 'dev/early/seq', window: 20 });
  try {
    await dev.start(300);
    await dev.allAcked(10_000); // broker mode: acknowledged while HStreamDB is still down
    await eventually(() => rb.action.stats().matched === 300, 5000, 'rows matched'); // rules run after the PUBACK
    assert.equal(rb.action.stats().queuing, 300);
    assert.notEqual(rb.action.status(), 'connected');
    await sleep(OUTAGE_MS);
    await server.start();
    const s = await settled(rb.action, 15_000);
    assert.deepEqual(account(server, 'early', dev.acked), { stored: 300, duplicates: 0, ackedButLost: [] });
    // Without a shard map no Append was attempted, so none was repeated: `retried` counts re-sent
    // Appends and stays 0 here (rulemq re-tried shard discovery meanwhile; scenario 2 shows retried > 0).
    assert.deepEqual([s.success, s.retried, s.dropped, s.failed], [300, 0, 0, 0]);
    assert.equal(
      server.appends.reduce((n, a) => n + a.batchSize, 0),
      300,
      'each row in exactly one Append',
    );
    assertStatsInvariant(s);
    assert.equal(rb.action.status(), 'connected');
  } finally {
    dev.stop();
    await rb.close();
    await server.stop();
  }
});

test("scenario 2: HStreamDB killed mid-stream and restarted, ack_mode = 'sink': no acknowledged message is lost", async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 2);
  const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
  const devs = ['k1', 'k2', 'k3'].map((id) => new SeqDevice({ port: () => rb.mqttPort, clientId: id, topic: `dev/${id}/seq`, window: 10 }));
  try {
    assert.equal(await rb.action.whenReady(5000), true);
    await Promise.all(devs.map((d) => d.start(400)));
    await devs[0].until(() => devs[0].acked.size >= 100, 10_000, '100 acknowledged');
    await server.stop(); // cuts the connections, Appends in progress included
    const ackedAtKill = devs.map((d) => d.acked.size);
    await sleep(OUTAGE_MS);
    // While HStreamDB is away nothing more is acknowledged (at most what was answered before the cut).
    const stalled = devs.map((d) => d.acked.size);
    await server.start();
    await Promise.all(devs.map((d) => d.allAcked(20_000)));
    const s = await settled(rb.action, 15_000);
    let duplicates = 0;
    for (const d of devs) {
      const acc = account(server, d.clientId, d.acked);
      assert.deepEqual(acc.ackedButLost, [], `${d.clientId}: acknowledged but not stored`);
      assert.equal(acc.stored, 400);
      duplicates += acc.duplicates;
    }
    assert.ok(s.retried > 0, 'Appends cut by the outage were retried');
    assert.equal(s.matched, 1200 + duplicatesFromResends(devs));
    assert.deepEqual([s.failed, s.dropped], [0, 0]);
    assertStatsInvariant(s);
    // Copies beyond the first can only come from an Append stored just before the cut whose reply was lost.
    assert.ok(duplicates <= 2 * 10 * devs.length, `duplicates ${duplicates}`);
    assert.ok(
      stalled.every((n, i) => n - ackedAtKill[i] <= 10),
      `acknowledged during the outage: ${stalled} vs ${ackedAtKill}`,
    );
  } finally {
    for (const d of devs) d.stop();
    await rb.close();
    await server.stop();
  }
});

/** Messages the devices sent again after a reconnect (each runs the rules once more). */
function duplicatesFromResends(devs: SeqDevice[]): number {
  return devs.reduce((n, d) => n + d.resent, 0);
}

test('scenario 7: HStreamDB restarted with a new shard map: rulemq rediscovers it and writes resume, every record in its hash shard', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 1);
  const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
  const devs = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((id) => new SeqDevice({ port: () => rb.mqttPort, clientId: id, topic: `dev/${id}/seq`, window: 5 }));
  try {
    assert.equal(await rb.action.whenReady(5000), true);
    await Promise.all(devs.map((d) => d.start(100)));
    await devs[0].until(() => devs[0].acked.size >= 30, 10_000, '30 acknowledged');
    await server.stop();
    server.reshard(STREAM, 4);
    await sleep(500);
    await server.start();
    await Promise.all(devs.map((d) => d.allAcked(20_000)));
    const s = await settled(rb.action, 15_000);
    assert.equal(rb.action.shardCount, 4);
    for (const d of devs) {
      const acc = account(server, d.clientId, d.acked);
      assert.deepEqual([acc.stored, acc.ackedButLost], [100, []], d.clientId);
    }
    assert.equal(server.keyShardViolations, 0);
    const newShards = new Set(server.shards(STREAM).map((x) => x.shardId));
    assert.ok(
      server
        .records(STREAM)
        .slice(-50)
        .every((r) => newShards.has(r.shardId)),
      'writes after the restart go to the new shards',
    );
    assert.deepEqual([s.failed, s.dropped], [0, 0]);
    assertStatsInvariant(s);
  } finally {
    for (const d of devs) d.stop();
    await rb.close();
    await server.stop();
  }
});
