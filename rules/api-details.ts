/**
 * Read-outs the dashboard needs beyond EMQX's API, under /api/v5/rulemq, plus EMQX's event catalogue:
 *   GET  /api/v5/rule_events                  every event: FROM topic, columns, an example context, an example SQL
 *   GET  /api/v5/rulemq/reload                the rules file and the outcome of its last load (errors with positions)
 *   GET  /api/v5/rulemq/actions               each action: health with its reason, counters, its settings
 *                                             (HStreamDB: stream, shards, partition key, record template,
 *                                             disk buffer use) and its Append latency
 *   POST /api/v5/rulemq/actions/{name}/test   HStreamDB: Echo + ListShards of the action's stream
 */
import type { Registry } from 'prom-client';
import type { Router } from '../broker/http/router.js';
import type { Action } from '../sinks/contract.js';
import { HStreamAction } from '../sinks/hstreamdb/sink.js';
import { actionJson } from './api.js';
import type { MetricsView } from './metrics-view.js';
import { EVENTS } from './events/index.js';
import { allActions } from './metrics.js';
import type { ReloadReport } from './reload-report.js';
import type { RuleSet } from './rule-set.js';
import { toRuleTestValue } from './tester.js';

export interface DetailsApiDeps {
  current(): RuleSet;
  registry: Registry;
  /** The rules file; null when the engine runs without one. */
  file: string | null;
  lastReload(): ReloadReport | null;
  /** The counters as the API shows them (after resets). */
  view: MetricsView;
}

/** Latency of one action's write requests, from its histogram: count, mean, and bucket upper bounds for p50/p99. */
export interface LatencySummary {
  count: number;
  mean_ms: number | null;
  /** The upper bound of the bucket holding the quantile (null when there is no request yet, or it is above the last bucket). */
  p50_le_ms: number | null;
  p99_le_ms: number | null;
}

const LATENCY_METRIC = 'rulemq_action_request_duration_seconds';

async function latencies(registry: Registry): Promise<Map<string, LatencySummary>> {
  const out = new Map<string, LatencySummary>();
  const metric = registry.getSingleMetric(LATENCY_METRIC);
  if (!metric) return out;
  const { values } = await metric.get();
  const byAction = new Map<string, { sum: number; count: number; buckets: [number, number][] }>();
  for (const v of values) {
    const action = String(v.labels.action);
    let e = byAction.get(action);
    if (!e) byAction.set(action, (e = { sum: 0, count: 0, buckets: [] }));
    const name = (v as { metricName?: string }).metricName ?? '';
    if (name.endsWith('_sum')) e.sum = v.value;
    else if (name.endsWith('_count')) e.count = v.value;
    else if (name.endsWith('_bucket') && v.labels.le !== '+Inf') e.buckets.push([Number(v.labels.le), v.value]);
  }
  for (const [action, e] of byAction) {
    e.buckets.sort((a, b) => a[0] - b[0]);
    // Buckets are cumulative: the quantile lies in the first bucket whose count reaches it.
    const quantile = (q: number) => {
      if (e.count === 0) return null;
      const hit = e.buckets.find(([, n]) => n >= q * e.count);
      return hit ? hit[0] * 1000 : null;
    };
    out.set(action, { count: e.count, mean_ms: e.count > 0 ? (e.sum / e.count) * 1000 : null, p50_le_ms: quantile(0.5), p99_le_ms: quantile(0.99) });
  }
  return out;
}

function details(a: Action, latency: LatencySummary | undefined, view: MetricsView): Record<string, unknown> {
  const base = { ...actionJson(a, view), reason: '', latency: latency ?? { count: 0, mean_ms: null, p50_le_ms: null, p99_le_ms: null } };
  if (!(a instanceof HStreamAction)) return base;
  const c = a.config;
  return {
    ...base,
    reason: a.health().reason,
    hstreamdb: {
      connector: c.connector,
      stream: c.stream,
      shards: a.shardCount,
      partition_key: c.partitionKey,
      record_template: c.recordTemplate,
      record_format: c.recordFormat,
      query_mode: c.queryMode,
      ack_mode: c.ackMode,
      batch_size: c.batchSize,
      batch_interval_ms: c.batchIntervalMs,
      buffer_mode: c.bufferMode,
      max_buffer_bytes: c.maxBufferBytes,
      buffer: a.bufferUsage() ?? null,
    },
  };
}

function sqlExample(topic: string | null): string {
  return topic === null ? 'SELECT payload.msg as msg FROM "t/#" WHERE msg = \'hello\'' : `SELECT * FROM "${topic}"`;
}

export function registerDetailsApi(router: Router, deps: DetailsApiDeps): void {
  router.add('GET', '/api/v5/rule_events', () => ({
    status: 200,
    body: EVENTS.map((e) => ({
      // EMQX names message_publish '$events/message_publish' here, though rules select it by topic filter.
      event: e.topic ?? '$events/message_publish',
      event_type: e.eventType,
      title: e.eventName,
      columns: e.columns,
      test_columns: toRuleTestValue(e.defaults()),
      sql_example: sqlExample(e.topic),
    })),
  }));
  router.add('GET', '/api/v5/rulemq/reload', () => ({ status: 200, body: { file: deps.file, last: deps.lastReload() } }));
  router.add('GET', '/api/v5/rulemq/actions', async () => {
    const lat = await latencies(deps.registry);
    return { status: 200, body: allActions(deps.current()).map((a) => details(a, lat.get(a.name), deps.view)) };
  });
  router.add('POST', '/api/v5/rulemq/actions/:name/test', async (_req, params) => {
    const a = allActions(deps.current()).find((x) => x.name === params.name);
    if (!a) return { status: 404, body: { code: 'NOT_FOUND', message: `action '${params.name}' not found` } };
    if (!(a instanceof HStreamAction))
      return { status: 400, body: { code: 'BAD_REQUEST', message: `action '${a.name}' (${a.type}) has no connection to test` } };
    const result = await a.testConnection();
    return { status: result.ok ? 200 : 400, body: result.ok ? result : { code: 'TEST_FAILED', ...result } };
  });
}
