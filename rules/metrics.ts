import client from 'prom-client';
import type { RuleSet } from './rule-set.js';
import type { SinkMetricsHooks } from '../sinks/registry.js';
import type { Action, ActionStats } from '../sinks/contract.js';

/**
 * Rule and action metrics, read from the plain counters of the current rule set at scrape time.
 * Labels are rule and action names only (bounded by the rules file), never clients or topics.
 */
export function registerRuleMetrics(registry: client.Registry, current: () => RuleSet, reloads: { ok: number; error: number }): void {
  const counter = (name: string, help: string, labelNames: string[], fill: (m: client.Counter<string>, set: RuleSet) => void) =>
    new client.Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this, current());
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], fill: (m: client.Gauge<string>, set: RuleSet) => void) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this, current());
      },
    });

  gauge('rulemq_rules', 'Rules loaded, by state.', ['state'], (m, set) => {
    m.set({ state: 'enabled' }, set.rules.filter((r) => r.enabled).length);
    m.set({ state: 'disabled' }, set.rules.filter((r) => !r.enabled).length);
  });
  counter('rulemq_rules_reloads_total', 'Rules file reloads, by result (ok: swapped in; error: invalid, old rules kept).', ['result'], (m) => {
    m.inc({ result: 'ok' }, reloads.ok);
    m.inc({ result: 'error' }, reloads.error);
  });
  counter('rulemq_rule_matched_total', 'Events whose topic matched the rule (EMQX: matched).', ['rule'], (m, set) => {
    for (const r of set.rules) m.inc({ rule: r.name }, r.stats.matched);
  });
  counter('rulemq_rule_passed_total', 'Events for which the rule produced output (EMQX: passed).', ['rule'], (m, set) => {
    for (const r of set.rules) m.inc({ rule: r.name }, r.stats.passed);
  });
  counter(
    'rulemq_rule_failed_total',
    'Events for which the rule failed, by reason: exception (EMQX failed.exception) or no_result (WHERE false, EMQX failed.no_result).',
    ['rule', 'reason'],
    (m, set) => {
      for (const r of set.rules) {
        m.inc({ rule: r.name, reason: 'exception' }, r.stats.failedException);
        m.inc({ rule: r.name, reason: 'no_result' }, r.stats.failedNoResult);
      }
    },
  );
  counter('rulemq_rule_actions_total', 'Rows handed to actions (EMQX: actions.total).', ['rule'], (m, set) => {
    for (const r of set.rules) m.inc({ rule: r.name }, r.stats.actionsTotal);
  });
  counter('rulemq_rule_actions_success_total', 'Rows actions reported written (EMQX: actions.success).', ['rule'], (m, set) => {
    for (const r of set.rules) m.inc({ rule: r.name }, r.stats.actionsSuccess);
  });
  counter('rulemq_rule_actions_failed_total', 'Rows actions reported failed or dropped (EMQX: actions.failed).', ['rule'], (m, set) => {
    for (const r of set.rules) m.inc({ rule: r.name }, r.stats.actionsFailed);
  });

  const actionCounter = (suffix: string, help: string, pick: (s: ActionStats) => number) =>
    counter(`rulemq_action_${suffix}_total`, help, ['action'], (m, set) => {
      for (const a of allActions(set)) m.inc({ action: a.name }, pick(a.stats()));
    });
  actionCounter('matched', 'Rows handed to the action (EMQX: matched).', (s) => s.matched);
  actionCounter('success', 'Rows the target confirmed written (EMQX: success).', (s) => s.success);
  actionCounter('failed', 'Rows that failed for good (EMQX: failed).', (s) => s.failed);
  actionCounter('retried', 'Retries of a request (EMQX: retried).', (s) => s.retried);
  actionCounter('late_reply', 'Rows whose request expired and whose reply came later (EMQX: late_reply).', (s) => s.lateReply);
  counter('rulemq_action_dropped_total', 'Rows dropped without being written, by reason (queue_full, expired, ...).', ['action', 'reason'], (m, set) => {
    for (const a of allActions(set)) {
      const s = a.stats();
      for (const [reason, n] of Object.entries(s.droppedByReason)) m.inc({ action: a.name, reason }, n);
    }
  });
  const actionGauge = (suffix: string, help: string, pick: (s: ActionStats) => number) =>
    gauge(`rulemq_action_${suffix}`, help, ['action'], (m, set) => {
      for (const a of allActions(set)) m.set({ action: a.name }, pick(a.stats()));
    });
  actionGauge('queuing', 'Rows waiting in the action queue.', (s) => s.queuing);
  actionGauge('queuing_bytes', 'Bytes of rows waiting in the action queue.', (s) => s.queuingBytes);
  actionGauge('inflight', 'Rows in requests sent and not answered yet.', (s) => s.inflight);
  gauge('rulemq_action_status', 'Connection status of the action: 1 for the current status label.', ['action', 'status'], (m, set) => {
    for (const a of allActions(set)) {
      const st = a.status();
      for (const s of ['connected', 'connecting', 'disconnected']) m.set({ action: a.name, status: s }, s === st ? 1 : 0);
    }
  });
}

/** Histograms fed by sinks through SinkMetricsHooks, one labelled child per action (cached, no lookup per batch). */
export function createSinkHistograms(registry: client.Registry): (action: string) => SinkMetricsHooks {
  const append = new client.Histogram({
    name: 'rulemq_action_request_duration_seconds',
    help: 'Time from sending a write request (HStreamDB Append) to its reply.',
    labelNames: ['action'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batch = new client.Histogram({
    name: 'rulemq_action_batch_records',
    help: 'Records per write request.',
    labelNames: ['action'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  });
  return (action) => {
    const a = append.labels({ action });
    const b = batch.labels({ action });
    return { observeAppendSeconds: (s) => a.observe(s), observeBatchSize: (n) => b.observe(n) };
  };
}

/** Every distinct action of the set: named ones and the per-rule console/republish ones. */
export function allActions(set: RuleSet): Action[] {
  const seen = new Set<Action>();
  for (const live of set.actions.values()) seen.add(live.instance);
  for (const r of set.rules) for (const a of r.actions) seen.add(a);
  return [...seen];
}
