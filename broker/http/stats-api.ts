/**
 * EMQX-compatible broker counters read from the Prometheus registry (the same numbers /metrics shows):
 *   GET /api/v5/stats    gauges: connections.count, live_connections.count, subscriptions.count, retained.count
 *   GET /api/v5/metrics  counters: messages.received, messages.sent (with per-QoS), bytes.received, bytes.sent
 * As in EMQX, the reply is one object per node, or a single object with `?aggregate=true`.
 */
import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import type { Router } from './router.js';

/** The value of a metric family, summed over its label sets; or by one label. 0 when the family is absent. */
async function metricSum(registry: Registry, name: string, byLabel?: [string, string]): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) {
    if (byLabel && String(v.labels[byLabel[0]]) !== byLabel[1]) continue;
    sum += v.value;
  }
  return sum;
}

async function stats(registry: Registry): Promise<Record<string, number>> {
  const connections = await metricSum(registry, 'rulemq_connections');
  return {
    'connections.count': connections,
    'live_connections.count': connections,
    'subscriptions.count': await metricSum(registry, 'rulemq_subscriptions'),
    'retained.count': await metricSum(registry, 'rulemq_retained_messages'),
  };
}

async function metrics(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {
    'messages.received': await metricSum(registry, 'rulemq_messages_received_total'),
    'messages.sent': await metricSum(registry, 'rulemq_messages_sent_total'),
  };
  for (const q of ['0', '1', '2']) {
    out[`messages.qos${q}.received`] = await metricSum(registry, 'rulemq_messages_received_total', ['qos', q]);
    out[`messages.qos${q}.sent`] = await metricSum(registry, 'rulemq_messages_sent_total', ['qos', q]);
  }
  out['bytes.received'] = await metricSum(registry, 'rulemq_received_bytes_total');
  out['bytes.sent'] = await metricSum(registry, 'rulemq_sent_bytes_total');
  return out;
}

function aggregate(req: IncomingMessage): boolean {
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get('aggregate') === 'true';
}

export function registerStatsApi(router: Router, registry: Registry, node: string): void {
  router.add('GET', '/api/v5/stats', async (req) => {
    const s = await stats(registry);
    return { status: 200, body: aggregate(req) ? s : [{ node, ...s }] };
  });
  router.add('GET', '/api/v5/metrics', async (req) => {
    const m = await metrics(registry);
    return { status: 200, body: aggregate(req) ? m : [{ node, ...m }] };
  });
}
