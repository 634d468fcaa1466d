import type { Router } from '../broker/http/router.js';
import type { Action } from '../sinks/contract.js';
import { allActions } from './metrics.js';
import type { RuleSet } from './rule-set.js';
import type { RuntimeRule } from './runtime-rule.js';
import type { MetricsView } from './metrics-view.js';
import { testRule, renderRuleTestJson } from './tester.js';

export interface RulesApiDeps {
  current(): RuleSet;
  nodeName: string;
  /** Reloads the rules file; resolves with the diagnostics text when it is invalid. */
  reload(): Promise<{ ok: boolean; errors: string }>;
  /** The counters as the API shows them (after resets); shared with every API that shows them. */
  view: MetricsView;
}

function ruleJson(r: RuntimeRule, nodeName: string, view: MetricsView): Record<string, unknown> {
  const metrics = view.ruleMetrics(r);
  return {
    id: r.name,
    name: r.name,
    sql: r.compiled.sql,
    from: r.compiled.from,
    actions: r.actions.map((a) => a.name),
    enable: r.enabled,
    description: r.description,
    status: r.enabled ? 'running' : 'stopped',
    metrics,
    node_metrics: [{ node: nodeName, metrics }],
  };
}

export function actionJson(a: Action, view: MetricsView): Record<string, unknown> {
  const s = view.actionStats(a);
  return {
    name: a.name,
    type: a.type,
    status: a.status(),
    metrics: {
      matched: s.matched,
      success: s.success,
      failed: s.failed,
      dropped: s.dropped,
      ...Object.fromEntries(Object.entries(s.droppedByReason).map(([k, v]) => [`dropped.${k}`, v])),
      queuing: s.queuing,
      queuing_bytes: s.queuingBytes,
      inflight: s.inflight,
      retried: s.retried,
      late_reply: s.lateReply,
    },
  };
}

/** The EMQX-compatible HTTP API of the rule engine (a subset of /api/v5). */
export function registerRulesApi(router: Router, deps: RulesApiDeps): void {
  const { view } = deps;
  router.add('POST', '/api/v5/rule_test', (_req, _params, body) => {
    const res = testRule(body);
    // The tester renders EMQX's JSON (undefined → "undefined", binaries as text).
    return { status: res.status, text: renderRuleTestJson(res.body), contentType: 'application/json' };
  });
  router.add('GET', '/api/v5/rules', () => {
    const data = deps.current().rules.map((r) => ruleJson(r, deps.nodeName, view));
    return { status: 200, body: { data, meta: { count: data.length, page: 1, limit: data.length } } };
  });
  router.add('GET', '/api/v5/rules/:id', (_req, params) => {
    const r = deps.current().rule(params.id);
    return r ? { status: 200, body: ruleJson(r, deps.nodeName, view) } : notFound('rule', params.id);
  });
  router.add('GET', '/api/v5/rules/:id/metrics', (_req, params) => {
    const r = deps.current().rule(params.id);
    if (!r) return notFound('rule', params.id);
    const metrics = view.ruleMetrics(r);
    return { status: 200, body: { id: r.name, metrics, node_metrics: [{ node: deps.nodeName, metrics }] } };
  });
  router.add('PUT', '/api/v5/rules/:id/metrics/reset', (_req, params) => resetRule(deps, view, params.id));
  router.add('POST', '/api/v5/rules/:id/metrics/reset', (_req, params) => resetRule(deps, view, params.id));
  router.add('GET', '/api/v5/actions', () => {
    // The same list envelope as /api/v5/rules (EMQX's paged lists), one page holding every action.
    const data = allActions(deps.current()).map((a) => actionJson(a, view));
    return { status: 200, body: { data, meta: { count: data.length, page: 1, limit: data.length } } };
  });
  router.add('GET', '/api/v5/actions/:name', (_req, params) => {
    const a = allActions(deps.current()).find((x) => x.name === params.name);
    return a ? { status: 200, body: actionJson(a, view) } : notFound('action', params.name);
  });
  router.add('POST', '/api/v5/connectors/:name/test', async (_req, params) => {
    const live = deps.current().connectors.get(params.name);
    if (!live) return notFound('connector', params.name);
    const result = await live.instance.test();
    return { status: result.ok ? 200 : 400, body: result.ok ? result : { code: 'TEST_FAILED', ...result } };
  });
  router.add('POST', '/api/v5/rules/reload', async () => {
    const res = await deps.reload();
    return res.ok ? { status: 200, body: { status: 'reloaded' } } : { status: 400, body: { code: 'BAD_REQUEST', message: res.errors } };
  });
}

/** Resets what the API shows; the exported counters never go down (see MetricsView). */
function resetRule(deps: RulesApiDeps, view: MetricsView, id: string) {
  const r = deps.current().rule(id);
  if (!r) return notFound('rule', id);
  view.resetRule(r);
  return { status: 204 };
}

function notFound(what: string, id: string) {
  return { status: 404, body: { code: 'NOT_FOUND', message: `${what} '${id}' not found` } };
}
