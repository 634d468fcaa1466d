import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRulesBroker, eventually, type RulesBroker } from '../../support/rules-broker.js';
import { connectClient, endAll, nextMessages } from '../../support/mqtt.js';
import { httpGet, httpPost, metricValue } from '../../support/broker.js';

const RULES = `
-- alerts: republish hot readings to the device's alert topic
CREATE RULE alerts DESCRIPTION 'too hot' AS
  SELECT payload.temp as t, clientid FROM "sensors/+/temp" WHERE payload.temp > 30
  INTO republish(topic = 'alerts/\${clientid}', qos = 1, retain = false, payload = '{"t": \${t}}');

-- two rules on overlapping filters
CREATE RULE wide AS SELECT topic FROM "over/#" INTO republish(topic = 'seen/wide', payload = '\${topic}');
CREATE RULE narrow AS SELECT topic FROM "over/+", "over/x" INTO republish(topic = 'seen/narrow', payload = '\${topic}');

-- a rule that throws on non-JSON payloads
CREATE RULE strict AS SELECT payload.x as x FROM "strict/t" INTO console;

CREATE RULE off DISABLED AS SELECT * FROM "sensors/#" INTO republish(topic = 'never', payload = 'x');
`;

describe('rules on the publish path', () => {
  let rb: RulesBroker;
  before(async () => {
    rb = await startRulesBroker(RULES);
  });
  after(async () => rb.close());

  test('a rule with WHERE republishes matching messages to a real subscriber, and skips the rest', async () => {
    const sub = await connectClient(rb.mqttUrl, { clientId: 'alert-watcher' });
    const dev = await connectClient(rb.mqttUrl, { clientId: 'dev-7' });
    try {
      await sub.subscribeAsync('alerts/#', { qos: 1 });
      const got = nextMessages(sub, 1);
      await dev.publishAsync('sensors/a/temp', JSON.stringify({ temp: 21 }), { qos: 1 });
      await dev.publishAsync('sensors/a/temp', JSON.stringify({ temp: 35.5 }), { qos: 1 });
      const [msg] = await got;
      assert.equal(msg.topic, 'alerts/dev-7');
      assert.equal(msg.payload, '{"t": 35.5}');
      assert.equal(msg.qos, 1);
      const rule = rb.plugin.current.rule('alerts')!;
      assert.equal(rule.stats.matched, 2);
      assert.equal(rule.stats.passed, 1);
      assert.equal(rule.stats.failedNoResult, 1);
      await eventually(() => rule.stats.actionsSuccess === 1, 2000, 'republish success');
    } finally {
      await endAll(sub, dev);
    }
  });

  test('overlapping filters: each matching rule fires exactly once per message', async () => {
    const sub = await connectClient(rb.mqttUrl, { clientId: 'over-watch' });
    const dev = await connectClient(rb.mqttUrl, { clientId: 'over-dev' });
    try {
      await sub.subscribeAsync('seen/#', { qos: 0 });
      const got = nextMessages(sub, 2);
      await dev.publishAsync('over/x', 'p', { qos: 1 });
      const msgs = (await got).map((m) => `${m.topic}=${m.payload}`).sort();
      assert.deepEqual(msgs, ['seen/narrow=over/x', 'seen/wide=over/x']);
      const set = rb.plugin.current;
      assert.equal(set.rule('wide')!.stats.matched, 1);
      assert.equal(set.rule('narrow')!.stats.matched, 1, 'two filters of one rule match: the rule still runs once');
      await dev.publishAsync('over/a/b', 'p', { qos: 1 });
      await eventually(() => set.rule('wide')!.stats.matched === 2);
      assert.equal(set.rule('narrow')!.stats.matched, 1);
    } finally {
      await endAll(sub, dev);
    }
  });

  test('a rule that throws is counted as failed.exception and the broker keeps serving', async () => {
    const dev = await connectClient(rb.mqttUrl, { clientId: 'strict-dev' });
    try {
      await dev.publishAsync('strict/t', 'not json', { qos: 1 });
      await dev.publishAsync('strict/t', Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
      await dev.publishAsync('strict/t', '{"x": 1}', { qos: 1 });
      const rule = rb.plugin.current.rule('strict')!;
      await eventually(() => rule.stats.matched === 3);
      assert.equal(rule.stats.failedException, 2);
      assert.equal(rule.stats.passed, 1);
      assert.ok(
        rb.broker.logs.some((l) => l.includes('rule evaluation failed') && l.includes('"rule":"strict"')),
        'failure logged',
      );
      assert.ok(
        rb.broker.logs.some((l) => l.includes('"msg":"rule output"') && l.includes('"x":1')),
        'console action logged the output',
      );
    } finally {
      await endAll(dev);
    }
  });

  test('a disabled rule never runs', () => {
    assert.equal(rb.plugin.current.rule('off')!.stats.matched, 0);
  });

  test('messages on $SYS topics and from the broker itself do not trigger rules', async () => {
    const before = rb.plugin.current.rule('off')!.stats.matched;
    await new Promise<void>((resolve) =>
      rb.broker.broker.publish({ cmd: 'publish', topic: 'sensors/x/temp', payload: Buffer.from('{"temp": 99}'), qos: 0, retain: false, dup: false }, () =>
        resolve(),
      ),
    );
    assert.equal(rb.plugin.current.rule('alerts')!.stats.matched, 2);
    assert.equal(rb.plugin.current.rule('off')!.stats.matched, before);
  });

  test('GET /api/v5/rules lists rules with EMQX metric names; metrics/reset zeroes what the API shows', async () => {
    const res = await httpGet(rb.httpPort, '/api/v5/rules');
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text) as { data: Array<Record<string, unknown>> };
    assert.deepEqual(
      body.data.map((r) => r.id),
      ['alerts', 'wide', 'narrow', 'strict', 'off'],
    );
    const alerts = body.data[0];
    assert.equal(alerts.description, 'too hot');
    assert.deepEqual(alerts.from, ['sensors/+/temp']);
    assert.equal(alerts.enable, true);
    assert.deepEqual(Object.keys(alerts.metrics as object), [
      'matched',
      'passed',
      'failed',
      'failed.exception',
      'failed.no_result',
      'actions.total',
      'actions.success',
      'actions.failed',
    ]);
    assert.equal((alerts.metrics as Record<string, number>).matched, 2);
    const one = await httpGet(rb.httpPort, '/api/v5/rules/strict');
    const strictBefore = (JSON.parse(one.text) as { metrics: Record<string, number> }).metrics;
    assert.equal(strictBefore['failed.exception'], 2);
    assert.equal((await httpGet(rb.httpPort, '/api/v5/rules/nope')).status, 404);
    const reset = await fetch(`http://127.0.0.1:${rb.httpPort}/api/v5/rules/strict/metrics/reset`, { method: 'PUT' });
    assert.equal(reset.status, 204);
    const after = JSON.parse((await httpGet(rb.httpPort, '/api/v5/rules/strict/metrics')).text) as { metrics: Record<string, number> };
    assert.equal(after.metrics.matched, 0);
    assert.equal(after.metrics['failed.exception'], 0);
    // The counter behind /metrics keeps its value.
    assert.equal(rb.plugin.current.rule('strict')!.stats.matched, strictBefore.matched);
  });

  test('GET /api/v5/actions lists the built-in actions with their counters', async () => {
    const res = await httpGet(rb.httpPort, '/api/v5/actions');
    const body = JSON.parse(res.text) as {
      data: Array<{ name: string; type: string; status: string; metrics: Record<string, number> }>;
      meta: { count: number };
    };
    const actions = body.data;
    assert.equal(body.meta.count, actions.length);
    const alerts = actions.find((a) => a.name === 'alerts:republish')!;
    assert.equal(alerts.type, 'republish');
    assert.equal(alerts.status, 'connected');
    assert.equal(alerts.metrics.success, 1);
  });

  test('/metrics exports rule and action counters labelled by rule and action', async () => {
    const text = (await httpGet(rb.httpPort, '/metrics')).text;
    assert.equal(metricValue(text, 'rulemq_rule_matched_total', 'rule="alerts"'), 2);
    assert.equal(metricValue(text, 'rulemq_rule_failed_total', 'rule="alerts",reason="no_result"'), 1);
    assert.equal(metricValue(text, 'rulemq_action_success_total', 'action="alerts:republish"'), 1);
    assert.equal(metricValue(text, 'rulemq_rules', 'state="disabled"'), 1);
  });

  test('POST /api/v5/rule_test answers like EMQX: 200 output, 412 no match, 400 bad SQL', async () => {
    const sql = 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"';
    const ok = await httpPost(rb.httpPort, '/api/v5/rule_test', {
      sql,
      context: { event_type: 'message_publish', topic: 'temp_hum/emqx', clientid: 'dev1', payload: '{"temp": "27.5", "hum": "41.8"}' },
    });
    assert.equal(ok.status, 200);
    const out = ok.json as Record<string, unknown>;
    assert.equal(out.client_id, 'dev1');
    assert.equal(out.temp, '27.5');
    assert.equal(out.hum, '41.8');
    assert.equal(typeof out.up_timestamp, 'number');
    const miss = await httpPost(rb.httpPort, '/api/v5/rule_test', { sql, context: { topic: 'other', payload: '{}' } });
    assert.equal(miss.status, 412);
    assert.deepEqual(miss.json, {
      code: 'NOT_MATCH',
      message: 'SQL Not Match',
      reason: `FROM does not match: the context's topic 'other' matches none of FROM "temp_hum/emqx"`,
    });
    const bad = await httpPost(rb.httpPort, '/api/v5/rule_test', { sql: 'SELECT FROM', context: {} });
    assert.equal(bad.status, 400);
    assert.equal((bad.json as { code: string }).code, 'BAD_REQUEST');
    const notJson = await httpPost(rb.httpPort, '/api/v5/rule_test', '{nope');
    assert.equal(notJson.status, 400);
  });

  test('POST /api/v5/rule_test answers 400 with a message, not 500, for a payload nested 50,000 deep; the broker keeps answering', async () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const asString = await httpPost(rb.httpPort, '/api/v5/rule_test', {
      sql: 'SELECT payload.x AS x FROM "t/#"',
      context: { topic: 't/1', payload: `{"x":${deep}}` },
    });
    assert.equal(asString.status, 400);
    assert.match((asString.json as { message: string }).message, /nested too deeply/);
    const asObject = await httpPost(
      rb.httpPort,
      '/api/v5/rule_test',
      `{"sql":"SELECT payload FROM \\"t/#\\"","context":{"topic":"t/1","payload":{"x":${deep}}}}`,
    );
    assert.equal(asObject.status, 400);
    assert.equal((asObject.json as { code: string }).code, 'BAD_REQUEST');
    const ok = await httpPost(rb.httpPort, '/api/v5/rule_test', { sql: 'SELECT 6 / 3 AS r FROM "t/#"', context: { topic: 't/1' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { r: 2 });
  });

  test('POST /api/v5/rule_test: a decompression bomb in the payload is a 400 rule error, not gigabytes', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(gzipSync(Buffer.alloc(64 * 1024 * 1024))).toString('base64');
    const res = await httpPost(rb.httpPort, '/api/v5/rule_test', {
      sql: 'SELECT gunzip(gunzip(base64_decode(payload))) AS x FROM "t/#"',
      context: { topic: 't/1', payload: bomb },
    });
    assert.equal(res.status, 400);
    assert.match((res.json as { message: string }).message, /exceeds 16777216 bytes/);
  });
});

describe('message ids', () => {
  test('are 32 upper-case hex digits and unique per message, like EMQX ids', async () => {
    const rb = await startRulesBroker(`CREATE RULE ids AS SELECT id FROM "ids/t" INTO republish(topic = 'ids/out', payload = '\${id}');`);
    const sub = await connectClient(rb.mqttUrl, { clientId: 'ids-sub' });
    const pub = await connectClient(rb.mqttUrl, { clientId: 'ids-pub' });
    try {
      await sub.subscribeAsync('ids/out', { qos: 0 });
      const got = nextMessages(sub, 3);
      for (let i = 0; i < 3; i++) await pub.publishAsync('ids/t', 'x', { qos: 1 });
      const ids = (await got).map((m) => m.payload);
      for (const id of ids) assert.match(id, /^[0-9A-F]{32}$/);
      assert.equal(new Set(ids).size, 3);
    } finally {
      await endAll(sub, pub);
      await rb.close();
    }
  });
});
