import type { Action, ActionStats } from '../sinks/contract.js';
import type { RuntimeRule, RuleStats } from './runtime-rule.js';

/**
 * What the HTTP API shows of rule and action counters. Resetting a rule's metrics (EMQX's
 * `PUT /api/v5/rules/{id}/metrics/reset`) records the current values as a baseline and the API shows
 * the counts since then; the counters themselves keep counting, so every series on /metrics stays
 * monotonic (a Prometheus counter that goes down reads as a process restart and breaks rate()).
 * Gauges (queuing, inflight) are shown as they are.
 */
export class MetricsView {
  private readonly ruleBase = new WeakMap<RuleStats, Record<string, number>>();
  private readonly actionBase = new WeakMap<Action, ActionStats>();

  /** Starts the API's counts of the rule and of its actions from zero. */
  resetRule(r: RuntimeRule): void {
    this.ruleBase.set(r.stats, r.stats.toJSON());
    for (const a of r.actions) this.actionBase.set(a, a.stats());
  }

  /** EMQX's rule metrics object, counted since the last reset. */
  ruleMetrics(r: RuntimeRule): Record<string, number> {
    const now = r.stats.toJSON();
    const base = this.ruleBase.get(r.stats);
    if (!base) return now;
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(now)) out[k] = since(v, base[k]);
    return out;
  }

  /** The action's stats with its counters counted since the last reset of a rule that uses it. */
  actionStats(a: Action): ActionStats {
    const now = a.stats();
    const base = this.actionBase.get(a);
    if (!base) return now;
    const droppedByReason: Record<string, number> = {};
    for (const [reason, n] of Object.entries(now.droppedByReason)) droppedByReason[reason] = since(n, base.droppedByReason[reason]);
    return {
      ...now,
      matched: since(now.matched, base.matched),
      success: since(now.success, base.success),
      failed: since(now.failed, base.failed),
      dropped: since(now.dropped, base.dropped),
      droppedByReason,
      retried: since(now.retried, base.retried),
      lateReply: since(now.lateReply, base.lateReply),
    };
  }
}

function since(now: number, base: number | undefined): number {
  return Math.max(0, now - (base ?? 0));
}
