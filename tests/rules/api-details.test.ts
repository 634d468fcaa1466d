import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HStreamTestServer } from '../support/hstream-server.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { eventually, startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { httpGet, httpPost } from '../support/broker.js';

const RULES = `
CREATE RULE to_console AS
  SELECT payload FROM "t/#"
  INTO console;
`;

interface RuleEvent {
  event: string;
  event_type: string;
  columns: string[];
  test_columns: Record<string, unknown>;
  sql_example: string;
}

describe('rules API details: event catalogue, last reload, action details', () => {
  let rb: RulesBroker;
  const getJson = async (path: string) => JSON.parse((await httpGet(rb.httpPort, path)).text);
  before(async () => {
    rb = await startRulesBroker(RULES);
  });
  after(async () => rb.close());

  test('every event in /api/v5/rule_events comes with an example context and SQL that rule_test runs to a match', async () => {
    const events = (await getJson('/api/v5/rule_events')) as RuleEvent[];
    assert.equal(events.length, 12);
    assert.equal(events[0].event_type, 'message_publish');
    for (const e of events) {
      assert.ok(e.columns.length > 0, e.event_type);
      const res = await httpPost(rb.httpPort, '/api/v5/rule_test', { sql: e.sql_example, context: { ...e.test_columns, event_type: e.event_type } });
      assert.equal(res.status, 200, `${e.event_type}: ${JSON.stringify(res.json)}`);
    }
    const pub = events.find((e) => e.event_type === 'message_publish')!;
    assert.ok(pub.test_columns.pub_props, 'MQTT 5 publish properties are part of the example');
  });

  test('the last reload is reported: OK at start, then errors with line, column and caret, then an unreadable file', async () => {
    let report = await getJson('/api/v5/rulemq/reload');
    assert.equal(report.file, rb.file);
    assert.equal(report.last.ok, true);
    assert.equal(report.last.reason, 'start');
    assert.equal(report.last.rules, 1);

    rb.write(RULES.replace('SELECT payload', 'SELECT payload,'));
    // A reload started by a file change (not the API) is reported the same way.
    const res = await rb.plugin.reload('file change');
    assert.equal(res.ok, false);
    report = await getJson('/api/v5/rulemq/reload');
    assert.equal(report.last.ok, false);
    assert.equal(report.last.reason, 'file change');
    assert.equal(report.last.rules, 1, 'the old rule keeps running');
    const [err] = report.last.errors;
    assert.equal(err.line, 3);
    assert.equal(typeof err.column, 'number');
    assert.match(err.code, /^SQL_/);
    const [head, source, caret] = (err.text as string).split('\n');
    assert.ok(head.startsWith(`${rb.file}:3:${err.column}: ${err.code}`), head);
    assert.equal(source, '  SELECT payload, FROM "t/#"');
    assert.equal(caret.indexOf('^'), err.column - 1);

    rmSync(rb.file);
    await rb.plugin.reload('SIGHUP');
    report = await getJson('/api/v5/rulemq/reload');
    assert.equal(report.last.ok, false);
    assert.equal(report.last.errors[0].code, 'RULES_FILE_UNREADABLE');
    assert.match(report.last.errors[0].text, /ENOENT/);
    assert.equal(report.last.errors[0].line, undefined);

    rb.write(RULES);
    assert.equal((await httpPost(rb.httpPort, '/api/v5/rules/reload', {})).status, 200);
    assert.equal((await getJson('/api/v5/rulemq/reload')).last.ok, true);
  });

  test('action details: a console action has counters and no connection to test; an unknown action is 404', async () => {
    const actions = await getJson('/api/v5/rulemq/actions');
    assert.equal(actions.length, 1);
    assert.equal(actions[0].type, 'console');
    assert.equal(actions[0].hstreamdb, undefined);
    assert.equal(actions[0].latency.count, 0);
    const name = actions[0].name as string;
    const test1 = await httpPost(rb.httpPort, `/api/v5/rulemq/actions/${encodeURIComponent(name)}/test`, {});
    assert.equal(test1.status, 400);
    assert.match((test1.json as { message: string }).message, /has no connection to test/);
    assert.equal((await httpPost(rb.httpPort, '/api/v5/rulemq/actions/nope/test', {})).status, 404);
  });
});

describe('rules API details: an HStreamDB action with a disk buffer', () => {
  test('reports stream, shards, partition key, template, disk buffer use and Append latency', async () => {
    const server = new HStreamTestServer();
    const port = await server.start();
    server.createStream('readings', 3);
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-buffer-'));
    const rb = await startRulesBroker(`
CREATE CONNECTOR hs TYPE hstreamdb WITH (url = 'hstream://127.0.0.1:${port}');
CREATE ACTION to_readings TYPE hstreamdb WITH (
  connector = 'hs', stream = 'readings', partition_key = '\${clientid}',
  record_template = '{"v": \${v}}', buffer_mode = 'disk', buffer_dir = '${dir}', batch_interval = '10ms'
);
CREATE RULE r AS SELECT clientid, payload.v as v FROM "r/#" INTO to_readings;
`);
    const dev = await connectClient(rb.mqttUrl, { clientId: 'disk-dev' });
    try {
      await dev.publishAsync('r/1', '{"v": 1}', { qos: 1 });
      await server.waitForRecords('readings', 1);
      // biome-ignore lint/suspicious/noExplicitAny: a JSON reply read field by field.
      let action: Record<string, any> = {};
      await eventually(
        async () => {
          [action] = JSON.parse((await httpGet(rb.httpPort, '/api/v5/rulemq/actions')).text);
          return action.metrics.success === 1 && action.latency.count >= 1;
        },
        5000,
        'success and one Append timed',
      );
      assert.equal(action.status, 'connected');
      assert.equal(action.reason, '');
      const h = action.hstreamdb;
      assert.equal(h.stream, 'readings');
      assert.equal(h.shards, 3);
      assert.equal(h.partition_key, '${clientid}');
      assert.equal(h.record_template, '{"v": ${v}}');
      assert.equal(h.buffer_mode, 'disk');
      assert.equal(typeof h.buffer.diskBytes, 'number');
      assert.equal(h.buffer.unread, 0);
      assert.ok(action.latency.mean_ms > 0);
      assert.ok(action.latency.p99_le_ms >= action.latency.p50_le_ms);
      const res = await httpPost(rb.httpPort, '/api/v5/rulemq/actions/to_readings/test', {});
      assert.equal(res.status, 200);
      assert.equal((res.json as { shardCount: number }).shardCount, 3);
    } finally {
      await endAll(dev);
      await rb.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
