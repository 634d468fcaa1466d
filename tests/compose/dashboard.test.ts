import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, eventually, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { COMPOSE_DIR } from './compose-support.js';

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
  gridPos: { x: number; y: number; w: number; h: number };
}

const dashboard = JSON.parse(readFileSync(join(COMPOSE_DIR, 'grafana/rulemq.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } | string; datasource: { uid: string } }> };
};
const datasourceUid = (
  parse(readFileSync(join(COMPOSE_DIR, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as {
    datasources: Array<{ uid: string }>;
  }
).datasources[0].uid;

const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queryPanels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
const expressions = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : v.query.query)),
];
/** Every metric name the dashboard's PromQL refers to: rulemq_*, and the standard process_* and nodejs_* (no label name starts so). */
const queried = [...new Set(expressions.flatMap((e) => [...e.matchAll(/\b(?:rulemq|process|nodejs)_[a-zA-Z0-9_]+/g)].map((m) => m[0])))].sort();

/** Families declared in a Prometheus exposition (# TYPE lines) and series present in it. */
function exposition(text: string): { types: Map<string, string>; samples: Set<string> } {
  const types = new Map<string, string>();
  const samples = new Set<string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    else if (line && !line.startsWith('#')) samples.add(/^[^{\s]+/.exec(line)![0]);
  }
  return { types, samples };
}

/** A queried name exists when it is a declared family or a histogram's/summary's series of one. */
function exists(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const type = types.get(m[1]);
  return type === 'histogram' || (type === 'summary' && m[2] !== 'bucket');
}

describe('compose/grafana/rulemq.json', () => {
  test('is the rulemq dashboard, every query on the provisioned Prometheus datasource', () => {
    assert.equal(dashboard.uid, 'rulemq');
    assert.ok(queryPanels.length >= 15);
    for (const p of queryPanels) {
      assert.equal(p.datasource?.uid, datasourceUid, `panel ${p.title}`);
      assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has queries`);
      for (const t of p.targets!) assert.ok(t.expr.trim().length > 0, `panel ${p.title}`);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `panel ${p.title} fits the grid`);
    }
    for (const v of dashboard.templating.list) assert.equal(v.datasource.uid, datasourceUid);
  });

  test('covers connections, msg/s, rule matched/failed, action outcomes, Append p99 and the process', () => {
    for (const name of [
      'rulemq_connections',
      'rulemq_messages_received_total',
      'rulemq_messages_sent_total',
      'rulemq_rule_matched_total',
      'rulemq_rule_failed_total',
      'rulemq_action_success_total',
      'rulemq_action_failed_total',
      'rulemq_action_dropped_total',
      'rulemq_action_queuing',
      'rulemq_action_inflight',
      'rulemq_action_request_duration_seconds_bucket',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(queried.includes(name), `the dashboard queries ${name}`);
    }
    assert.ok(
      expressions.some((e) => /histogram_quantile\(0\.99, sum by \(action, le\) \(rate\(rulemq_action_request_duration_seconds_bucket/.test(e)),
      'Append latency p99',
    );
  });

  describe('against a live broker running the compose seed rules', () => {
    let server: HStreamTestServer;
    let rb: RulesBroker;
    let metrics: ReturnType<typeof exposition>;
    let written: Record<string, unknown>;
    before(async () => {
      server = new HStreamTestServer();
      const port = await server.start();
      server.createStream('temp_hum', 1);
      const rules = readFileSync(join(COMPOSE_DIR, 'rules.sql'), 'utf8').replace("'hstream://hserver:6570'", `'hstream://127.0.0.1:${port}'`);
      assert.ok(rules.includes(`127.0.0.1:${port}`), 'url rewritten');
      rb = await startRulesBroker(rules);
      const dev = await connectClient(rb.mqttUrl, { clientId: 'emqx_c' });
      try {
        await dev.publishAsync('temp_hum/emqx', '{"temp": "27.5", "hum": "41.8"}', { qos: 1 });
        const [record] = await server.waitForRecords('temp_hum', 1, 15_000);
        written = record.value as Record<string, unknown>;
        const action = rb.plugin.current.actions.get('to_hstream')!.instance;
        await eventually(() => action.stats().success === 1, 10_000, 'action success');
      } finally {
        await endAll(dev);
      }
      const res = await httpGet(rb.httpPort, '/metrics');
      assert.equal(res.status, 200);
      metrics = exposition(res.text);
    });
    after(async () => {
      await rb?.close();
      await server?.stop();
    });

    test('every metric the dashboard queries exists in /metrics', () => {
      const missing = queried.filter((n) => !exists(n, metrics.types));
      assert.deepEqual(missing, []);
    });

    test('the Append latency histogram has buckets for the seed action after one publish', () => {
      assert.ok(metrics.samples.has('rulemq_action_request_duration_seconds_bucket'));
      assert.ok(metrics.samples.has('rulemq_action_success_total'));
      assert.ok(metrics.samples.has('rulemq_rule_matched_total'));
    });

    test("compose/README.md's expected read-stream line shows the record the seed writes (keys sorted, as the CLI prints them)", () => {
      const readme = readFileSync(join(COMPOSE_DIR, 'README.md'), 'utf8');
      const line = /^timestamp: "\d+", id: \d+-\d+-\d+, key: "emqx_c", record: (\{.*\})$/m.exec(readme);
      assert.ok(line, 'expected output line');
      const shown = JSON.parse(line[1]) as Record<string, unknown>;
      assert.deepEqual(Object.keys(shown), Object.keys(written).sort());
      assert.deepEqual({ ...shown, up_timestamp: 0 }, { ...written, up_timestamp: 0 });
      assert.equal(typeof shown.up_timestamp, typeof written.up_timestamp);
    });

    test('a name that is not in /metrics is reported missing (the check can fail)', () => {
      assert.equal(exists('rulemq_action_sucess_total', metrics.types), false);
      assert.equal(exists('rulemq_action_queuing_bucket', metrics.types), false);
      assert.equal(exists('rulemq_action_batch_records_count', metrics.types), true);
    });
  });
});
