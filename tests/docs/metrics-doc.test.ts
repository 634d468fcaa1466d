import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import client from 'prom-client';
import { REGENERATE_COMMAND, generateMetricsDoc, renderMetricsDoc } from '../../tools/metrics-doc.js';

const REPO = new URL('../../../', import.meta.url).pathname;

describe('docs/metrics.md', () => {
  // prom-client registers some process metrics only on Linux (open fds, virtual memory), so the
  // committed file is generated there.
  test('is what tools/metrics-doc.ts renders from the live registry (regenerate when this fails)', {
    skip: process.platform !== 'linux' && 'generated on Linux',
  }, async () => {
    const live = await generateMetricsDoc();
    const committed = readFileSync(`${REPO}docs/metrics.md`, 'utf8');
    assert.ok(committed === live, `docs/metrics.md is stale; regenerate it with:\n  ${REGENERATE_COMMAND}`);
  });

  test('lists every family of a started broker (broker, rule, action, process) and of the optional cluster plugin', async () => {
    const doc = await generateMetricsDoc();
    for (const name of [
      'rulemq_connections',
      'rulemq_rule_matched_total{rule}',
      'rulemq_cluster_redis_up{connection}',
      'rulemq_action_dropped_total{action, reason}',
      'rulemq_action_request_duration_seconds_bucket{action, le}',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(doc.includes(`\`${name}\``), name);
    }
  });
});

describe('renderMetricsDoc', () => {
  function registryWith(): client.Registry {
    const r = new client.Registry();
    new client.Counter({ name: 'rulemq_rule_matched_total', help: 'Matched.', labelNames: ['rule'], registers: [r] });
    new client.Gauge({ name: 'rulemq_connections', help: 'Connected | now.', registers: [r] });
    new client.Histogram({
      name: 'rulemq_action_request_duration_seconds',
      help: 'Append latency.',
      labelNames: ['action'],
      buckets: [0.1, 1],
      registers: [r],
    });
    new client.Gauge({ name: 'rulemq_bridge_peers', help: 'Peers seen.', labelNames: ['node'], registers: [r] });
    return r;
  }

  test('documents each family with its labels, type and help, histograms with their series and buckets', () => {
    const doc = renderMetricsDoc(registryWith());
    assert.ok(doc.includes('| `rulemq_rule_matched_total{rule}` | counter | Matched. |'));
    assert.ok(doc.includes('| `rulemq_connections` | gauge | Connected \\| now. |'), 'pipes in help are escaped');
    assert.ok(
      doc.includes(
        '| `rulemq_action_request_duration_seconds_bucket{action, le}`<br>`rulemq_action_request_duration_seconds_sum{action}`<br>' +
          '`rulemq_action_request_duration_seconds_count{action}` | histogram | Append latency. Buckets: 0.1, 1. |',
      ),
    );
    assert.match(doc, /^4 metric families\.$/m);
  });

  test('puts metrics of areas it does not know (a new plugin) in their own section, after the known ones', () => {
    const doc = renderMetricsDoc(registryWith());
    const sections = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(sections, ['Broker', 'Rules', 'Actions', 'Other: bridge']);
    assert.ok(doc.indexOf('rulemq_bridge_peers{node}') > doc.indexOf('## Other: bridge'));
  });

  test('does not depend on values or registration order', () => {
    const a = registryWith();
    (a.getSingleMetric('rulemq_rule_matched_total') as client.Counter<'rule'>).inc({ rule: 'r1' }, 5);
    const b = new client.Registry();
    new client.Gauge({ name: 'rulemq_bridge_peers', help: 'Peers seen.', labelNames: ['node'], registers: [b] });
    new client.Histogram({
      name: 'rulemq_action_request_duration_seconds',
      help: 'Append latency.',
      labelNames: ['action'],
      buckets: [0.1, 1],
      registers: [b],
    });
    new client.Gauge({ name: 'rulemq_connections', help: 'Connected | now.', registers: [b] });
    new client.Counter({ name: 'rulemq_rule_matched_total', help: 'Matched.', labelNames: ['rule'], registers: [b] });
    assert.equal(renderMetricsDoc(a), renderMetricsDoc(b));
  });
});
