import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, eventually, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { httpGet, httpPost, metricValue } from '../support/broker.js';
import { keyHash } from '../../sinks/hstreamdb/shards.js';
import { seedRules } from '../support/seed-rules.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('the seed, end to end: MQTT publish → rule → HStreamDB record', () => {
  let server: HStreamTestServer;
  let rb: RulesBroker;
  before(async () => {
    server = new HStreamTestServer();
    const port = await server.start();
    server.createStream('temp_hum', 2);
    rb = await startRulesBroker(seedRules(port));
  });
  after(async () => {
    await rb.close();
    await server.stop();
  });

  test('one publish of the seed payload yields exactly one valid JSON HRecord with typed fields, keyed and sharded by client id', async () => {
    const before = Date.now();
    const dev = await connectClient(rb.mqttUrl, { clientId: 'emqx_c' });
    try {
      await dev.publishAsync('temp_hum/emqx', '{"temp": "27.5", "hum": "41.8"}', { qos: 1 });
      const [record] = await server.waitForRecords('temp_hum', 1);
      assert.equal(record.flag, 'JSON');
      const value = record.value as Record<string, unknown>;
      assert.deepEqual(Object.keys(value).sort(), ['client_id', 'hum', 'temp', 'up_timestamp']);
      assert.equal(value.client_id, 'emqx_c');
      assert.equal(value.temp, '27.5');
      assert.equal(value.hum, '41.8');
      assert.equal(typeof value.up_timestamp, 'number');
      assert.ok((value.up_timestamp as number) >= before && (value.up_timestamp as number) <= Date.now(), 'up_timestamp is the publish time in ms');
      assert.equal(record.key, 'emqx_c');
      const shard = server.shards('temp_hum').find((s) => s.shardId === record.shardId)!;
      const h = keyHash('emqx_c');
      assert.ok(h >= shard.start && h <= shard.end, 'record is in the shard whose range holds MD5(key)');
      assert.equal(server.keyShardViolations, 0);
      assert.equal(server.invalidRecords, 0);
      // Nothing else arrives.
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(server.records('temp_hum').length, 1);
    } finally {
      await endAll(dev);
    }
  });

  test('success is counted once HStreamDB confirmed, and shows in /api/v5 and /metrics', async () => {
    const action = rb.plugin.current.actions.get('to_hstream')!.instance;
    await eventually(() => action.stats().success === 1, 5000, 'action success');
    const s = action.stats();
    assert.equal(s.matched, s.success + s.failed + s.dropped + s.queuing + s.inflight + s.lateReply);
    const rule = rb.plugin.current.rule('temp_hum')!;
    await eventually(() => rule.stats.actionsSuccess === 1, 2000, 'rule actions.success');
    const actions = (
      JSON.parse((await httpGet(rb.httpPort, '/api/v5/actions')).text) as { data: Array<{ name: string; status: string; metrics: Record<string, number> }> }
    ).data;
    const a = actions.find((x) => x.name === 'to_hstream')!;
    assert.equal(a.metrics.success, 1);
    assert.equal(a.status, 'connected');
    const metrics = (await httpGet(rb.httpPort, '/metrics')).text;
    assert.equal(metricValue(metrics, 'rulemq_action_success_total', 'action="to_hstream"'), 1);
    assert.ok(
      metrics.includes('rulemq_action_request_duration_seconds_bucket{le="0.001",action="to_hstream"}') ||
        metrics.includes('rulemq_action_request_duration_seconds_count{action="to_hstream"}'),
    );
  });

  test('hostile client ids and payload strings stay inside their JSON fields', async () => {
    // Control characters in client ids are refused at CONNECT (security issue); they are covered in the payload.
    const nasty = ['dev"},"x":{"', 'back\\slash', 'sep\u2028x', '${temp}', '}'];
    const clients = [];
    try {
      for (const id of nasty) {
        const c = await connectClient(rb.mqttUrl, { clientId: id });
        clients.push(c);
        await c.publishAsync('temp_hum/emqx', JSON.stringify({ temp: `"}\n\u2028${id}`, hum: 1 }), { qos: 1 });
      }
      const records = await server.waitForRecords('temp_hum', 1 + nasty.length);
      for (const id of nasty) {
        const r = records.find((x) => (x.value as Record<string, unknown>).client_id === id);
        assert.ok(r, `record for client id ${JSON.stringify(id)}`);
        const v = r.value as Record<string, unknown>;
        assert.deepEqual(Object.keys(v).sort(), ['client_id', 'hum', 'temp', 'up_timestamp']);
        assert.equal(v.temp, `"}\n\u2028${id}`);
        assert.equal(v.hum, 1);
        assert.equal(r.key, id);
      }
      assert.equal(server.invalidRecords, 0);
    } finally {
      await endAll(...clients);
    }
  });

  test('a payload that is not JSON fails the rule (failed.exception) and writes nothing', async () => {
    const count = server.records('temp_hum').length;
    const rule = rb.plugin.current.rule('temp_hum')!;
    const failed = rule.stats.failedException;
    const dev = await connectClient(rb.mqttUrl, { clientId: 'broken-dev' });
    try {
      await dev.publishAsync('temp_hum/emqx', 'temp=27.5', { qos: 1 });
      await eventually(() => rule.stats.failedException === failed + 1, 2000, 'failed.exception');
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(server.records('temp_hum').length, count);
    } finally {
      await endAll(dev);
    }
  });

  test('an MQTT 5 device (MQTT.js and mosquitto_pub -V mqttv5) publishing the seed payload with a User-Property yields the same record', async () => {
    const count = server.records('temp_hum').length;
    const dev = await connectClient(rb.mqttUrl, { clientId: 'emqx_v5', protocolVersion: 5 });
    try {
      await dev.publishAsync('temp_hum/emqx', '{"temp": "27.5", "hum": "41.8"}', { qos: 1, properties: { userProperties: { site: 'berlin' } } });
      const port = new URL(rb.mqttUrl).port;
      await run('mosquitto_pub', [
        '-V',
        'mqttv5',
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-i',
        'mosq_v5',
        '-q',
        '1',
        '-t',
        'temp_hum/emqx',
        '-m',
        '{"temp": "20.1", "hum": "50.2"}',
        '-D',
        'publish',
        'user-property',
        'site',
        'lab',
      ]);
      const records = await server.waitForRecords('temp_hum', count + 2);
      const byClient = new Map(records.slice(count).map((r) => [r.key, r.value as Record<string, unknown>]));
      assert.deepEqual({ ...byClient.get('emqx_v5'), up_timestamp: 0 }, { client_id: 'emqx_v5', temp: '27.5', hum: '41.8', up_timestamp: 0 });
      assert.deepEqual({ ...byClient.get('mosq_v5'), up_timestamp: 0 }, { client_id: 'mosq_v5', temp: '20.1', hum: '50.2', up_timestamp: 0 });
      assert.equal(server.invalidRecords, 0);
    } finally {
      await endAll(dev);
    }
  });

  test("POST /api/v5/connectors/hstream/test reports the connection and the shards of the action's stream", async () => {
    const res = await httpPost(rb.httpPort, '/api/v5/connectors/hstream/test', {});
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const body = res.json as { ok: boolean; shardCount: number; streams: Record<string, number> };
    assert.equal(body.ok, true);
    // The stream the seed action writes to has 2 shards.
    assert.equal(body.shardCount, 2);
    assert.deepEqual(body.streams, { temp_hum: 2 });
  });
});
