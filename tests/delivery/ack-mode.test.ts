import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HStreamTestServer, withTestServer } from '../support/hstream-server.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { startTestBroker } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { rawConnect } from '../support/raw.js';
import { ack, connect, publish as publishPacket, CONNACK_OK } from '../support/wire.js';
import { RulesPlugin, readPlan } from '../../rules/plugin.js';
import { createSinkRegistry } from '../../sinks/index.js';
import type { HStreamAction } from '../../sinks/hstreamdb/sink.js';
import { SeqDevice } from './device.js';
import { connectMqtt5 } from '../support/mqtt5-session.js';
import { STREAM, account, assertStatsInvariant, deliveryRules, settled, startDeliveryBroker } from './support.js';

function withServer(shards: number, fn: (server: HStreamTestServer) => Promise<void>): Promise<void> {
  return withTestServer(async (server) => {
    if (shards > 0) server.createStream(STREAM, shards);
    await fn(server);
  });
}

test("ack_mode = 'sink': no PUBACK while HStreamDB refuses the Append; it comes once the record is written", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'd1', topic: 'dev/d1/seq' });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.unavailable = true;
      const appends = server.calls.Append ?? 0;
      await dev.start(1);
      await server.waitUntil(
        () => (server.calls.Append ?? 0) >= appends + 3,
        5000,
        () => 'three Append attempts',
      );
      assert.equal(dev.acked.size, 0, 'no PUBACK while the Append fails');
      assert.equal(server.records(STREAM).length, 0);
      server.faults.unavailable = false;
      await dev.allAcked(10_000);
      assert.deepEqual(account(server, 'd1', dev.acked), { stored: 1, duplicates: 0, ackedButLost: [] });
      assert.equal(dev.closes, 0, 'a retried write keeps the connection open');
      const s = await settled(rb.action);
      assert.equal(s.success, 1);
      assert.ok(s.retried >= 3);
      assertStatsInvariant(s);
      assert.deepEqual(rb.plugin.ruleEngine.acks, { held: 1, written: 1, refused: 0 });
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test("ack_mode = 'broker' (default): PUBACK comes while HStreamDB is unreachable, and nothing is held", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'd1', topic: 'dev/d1/seq' });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.unavailable = true;
      await dev.start(3);
      await dev.allAcked(5000);
      assert.equal(server.records(STREAM).length, 0, 'acknowledged before anything was written');
      server.faults.unavailable = false;
      await server.waitForRecords(STREAM, 3, 10_000);
      assertStatsInvariant(await settled(rb.action));
      assert.deepEqual(rb.plugin.ruleEngine.acks, { held: 0, written: 0, refused: 0 });
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test("ack_mode = 'sink': every rule runs exactly once per message, broker-mode rules on the same topic included", () =>
  withServer(2, async (server) => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-ack-'));
    const file = join(dir, 'rules.sql');
    writeFileSync(
      file,
      deliveryRules({ port: server.port, action: { ack_mode: "'sink'" } }) +
        `
CREATE RULE echo AS SELECT payload.seq as seq FROM "dev/#" INTO republish(topic = 'echo/\${seq}', payload = '\${seq}', qos = 0);
`,
    );
    const sinks = createSinkRegistry();
    const plugin = new RulesPlugin({ file, sinks, env: {}, watch: false }, readPlan(file, sinks, {}).plan);
    const broker = await startTestBroker({}, [plugin]);
    const port = broker.ports['mqtt-tcp'];
    const sub = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: 'watcher' });
    const echoes: string[] = [];
    sub.on('message', (topic) => echoes.push(topic));
    await sub.subscribeAsync('echo/#', { qos: 0 });
    const dev = new SeqDevice({ port: () => port, clientId: 'd2', topic: 'dev/d2/seq', window: 10 });
    try {
      await dev.start(40);
      await dev.allAcked(10_000);
      await eventually(() => echoes.length >= 40, 5000, 'republished echoes');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(echoes.length, 40, 'the republish rule fired once per message');
      assert.equal(new Set(echoes).size, 40);
      assert.equal(plugin.current.rule('seqs')!.stats.matched, 40);
      assert.equal(plugin.current.rule('echo')!.stats.matched, 40);
      assert.deepEqual(account(server, 'd2', dev.acked), { stored: 40, duplicates: 0, ackedButLost: [] });
      assert.equal(plugin.ruleEngine.acks.written, 40);
    } finally {
      dev.stop();
      await endAll(sub);
      await broker.close(2000);
    }
  }));

test("ack_mode = 'sink': a failed write closes the connection without PUBACK; the device's resend is written once the stream exists", () =>
  withServer(0, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'd3', topic: 'dev/d3/seq', reconnectMs: 100 });
    try {
      await dev.start(5);
      await dev.until(() => dev.closes >= 3, 10_000, 'three closes');
      assert.equal(dev.acked.size, 0);
      assert.equal(server.records(STREAM).length, 0);
      server.createStream(STREAM, 1);
      await dev.allAcked(15_000);
      const acc = account(server, 'd3', dev.acked);
      assert.deepEqual([acc.stored, acc.ackedButLost], [5, []]);
      assert.equal(acc.duplicates, 0, 'a refused row was never written, so its resend is the only copy');
      const s = await settled(rb.action);
      assert.ok(s.failed >= 3, `failed ${s.failed}`);
      assertStatsInvariant(s);
      const refused = rb.plugin.ruleEngine.acks.refused;
      assert.ok(refused >= 3);
      const lines = rb.broker.logs.filter((l) => l.includes('PUBLISH not acknowledged'));
      assert.ok(lines.length >= 1 && lines.length <= 2, `refusals are logged at a limited rate (${lines.length} lines for ${refused})`);
      assert.match(lines[0], /SINK_STREAM_NOT_FOUND/);
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test("ack_mode = 'sink': QoS 0 messages are not held", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const c = await connectClient(rb.mqttUrl, { clientId: 'q0' });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.unavailable = true;
      await c.publishAsync('dev/q0/seq', '{"seq": 1}', { qos: 0 });
      const rule = rb.plugin.current.rule('seqs')!;
      await eventually(() => rule.stats.matched === 1, 5000, 'rule matched');
      assert.equal(rb.plugin.ruleEngine.acks.held, 0);
      assert.equal(c.connected, true);
      server.faults.unavailable = false;
      await server.waitForRecords(STREAM, 1, 10_000);
    } finally {
      await endAll(c);
      await rb.close();
    }
  }));

test("ack_mode = 'sink': held rows go out without waiting for batch_interval, and rows arriving meanwhile share an Append", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'", batch_interval: "'30s'", batch_size: 1000 } });
    const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'd4', topic: 'dev/d4/seq', window: 50 });
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      server.faults.appendDelayMs = 30;
      const t0 = Date.now();
      await dev.start(200);
      await dev.allAcked(20_000);
      assert.ok(Date.now() - t0 < 20_000, 'far below batch_interval (30 s)');
      const sizes = server.appends.map((a) => a.batchSize);
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        200,
      );
      assert.ok(Math.max(...sizes) > 1, `some Append carried several rows (${sizes.join(',')})`);
      assert.ok(sizes.length < 200);
      assertStatsInvariant(await settled(rb.action));
    } finally {
      dev.stop();
      await rb.close();
    }
  }));

test("ack_mode = 'sink' with QoS 2: PUBREC waits for the write, and a DUP resend of a stored message does not run the rules again", () =>
  withServer(1, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    const conn = await rawConnect(rb.mqttPort);
    try {
      assert.equal(await rb.action.whenReady(5000), true);
      conn.socket.write(connect('q2'));
      await conn.bytes(4);
      const publish = (dup: boolean) => conn.socket.write(publishPacket('dev/q2/seq', { qos: 2, id: 9, dup, payload: '{"seq": 7}' }));
      server.faults.appendDelayMs = 300;
      publish(false);
      await server.waitForRecords(STREAM, 1, 5000);
      assert.equal(Buffer.concat(conn.received).length, 4, 'stored, but no PUBREC before the Append returned');
      const pubrec = ack('pubrec', 9);
      assert.deepEqual(await conn.bytes(8, 5000), Buffer.concat([CONNACK_OK, pubrec]));
      server.faults.appendDelayMs = 0;
      publish(true);
      assert.deepEqual((await conn.bytes(12, 5000)).subarray(8), pubrec);
      conn.socket.write(ack('pubrel', 9));
      assert.deepEqual((await conn.bytes(16, 5000)).subarray(12), ack('pubcomp', 9));
      assert.equal(rb.plugin.current.rule('seqs')!.stats.matched, 1);
      assert.equal(server.records(STREAM).length, 1);
      assert.deepEqual(rb.plugin.ruleEngine.acks, { held: 1, written: 1, refused: 0 });
    } finally {
      conn.socket.destroy();
      await rb.close();
    }
  }));

test('an ACL-denied PUBLISH is acknowledged and dropped before the sink-mode hold: its rules never run and nothing is written', () =>
  withServer(1, async (server) => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-ack-'));
    const file = join(dir, 'rules.sql');
    writeFileSync(file, deliveryRules({ port: server.port, action: { ack_mode: "'sink'" }, from: 'dev/#' }));
    const aclFile = join(dir, 'acl');
    writeFileSync(aclFile, 'topic readwrite dev/ok/#\n');
    const sinks = createSinkRegistry();
    const rules = new RulesPlugin({ file, sinks, env: {}, watch: false }, readPlan(file, sinks, {}).plan);
    const broker = await startTestBroker({ aclFile }, [rules]);
    const port = broker.ports['mqtt-tcp'];
    const ok = new SeqDevice({ port: () => port, clientId: 'ok', topic: 'dev/ok/seq' });
    const denied = new SeqDevice({ port: () => port, clientId: 'denied', topic: 'dev/denied/seq' });
    try {
      await ok.start(3);
      await ok.allAcked(10_000);
      await denied.start(2);
      await denied.allAcked(10_000);
      assert.equal(rules.current.rule('seqs')!.stats.matched, 3, 'a denied message never reaches the rules');
      assert.equal(broker.security.counters.denied.publish, 2);
      assert.deepEqual(rules.ruleEngine.acks, { held: 3, written: 3, refused: 0 });
      assert.equal(server.records(STREAM).length, 3);
      assertStatsInvariant(await settled(rules.current.actions.get('to_hs')!.instance as HStreamAction));
    } finally {
      ok.stop();
      denied.stop();
      await broker.close(2000);
    }
  }));

test("ack_mode = 'sink': an MQTT 5 client whose write failed is told DISCONNECT 0x89 (Server busy), never PUBACK 0x87", () =>
  withServer(0, async (server) => {
    const rb = await startDeliveryBroker({ port: server.port, action: { ack_mode: "'sink'" } });
    try {
      const { s } = await connectMqtt5(rb.mqttPort, { clientId: 'd5' });
      s.send({ cmd: 'publish', topic: 'dev/d5/seq', qos: 1, messageId: 1, payload: Buffer.from('{"seq": 0}') });
      const d = await s.next('disconnect', 10_000);
      assert.equal(d.reasonCode, 0x89);
      assert.deepEqual(s.received('puback'), []);
      assert.equal(await s.waitClosed(), true);
      assert.equal(server.records(STREAM).length, 0);
    } finally {
      await rb.close();
    }
  }));
