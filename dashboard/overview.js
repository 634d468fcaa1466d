// Overview: connections, message rates, per-rule and per-action counters, refreshed every second.
import { get } from './api.js';
import { bytes, fill, h, num, rate, sparkline, statusPill, table } from './ui.js';

const HISTORY = 60;
let el = {};
let prev = null;
let history = { in: [], out: [] };

/** Per-second rate between two samples of a counter (null on the first sample or after a counter reset). */
function perSecond(now, before, dt) {
  if (before === undefined || dt <= 0 || now < before) return null;
  return (now - before) / dt;
}

function card(label, id) {
  const value = h('div.value', { id }, '—');
  return { node: h('div.card', h('div.label', label), value), value };
}

function mount(main) {
  prev = null;
  history = { in: [], out: [] };
  const cards = {
    connections: card('Connections', 'ov-connections'),
    subscriptions: card('Subscriptions', 'ov-subscriptions'),
    inRate: card('Messages in', 'ov-in-rate'),
    outRate: card('Messages out', 'ov-out-rate'),
    received: card('Received (total)', 'ov-received'),
    retained: card('Retained', 'ov-retained'),
  };
  el = {
    cards,
    sparkIn: h('div.spark-box'),
    sparkOut: h('div.spark-box'),
    rules: h('div', { id: 'ov-rules' }),
    actions: h('div', { id: 'ov-actions' }),
  };
  main.append(
    h('h1', 'Overview'),
    h(
      'div.cards',
      Object.values(cards).map((c) => c.node),
    ),
    h(
      'div.sparks',
      h('figure', el.sparkIn, h('figcaption', 'messages in per second, last minute')),
      h('figure', el.sparkOut, h('figcaption', 'messages out per second, last minute')),
    ),
    h('h2', 'Rules'),
    el.rules,
    h('h2', 'Actions'),
    el.actions,
  );
}

async function refresh() {
  const [stats, metrics, rules, actions] = await Promise.all([
    get('/api/v5/stats?aggregate=true'),
    get('/api/v5/metrics?aggregate=true'),
    get('/api/v5/rules'),
    get('/api/v5/rulemq/actions'),
  ]);
  const t = performance.now() / 1000;
  const dt = prev ? t - prev.t : 0;
  const inRate = perSecond(metrics['messages.received'], prev?.received, dt);
  const outRate = perSecond(metrics['messages.sent'], prev?.sent, dt);
  const c = el.cards;
  c.connections.value.textContent = num(stats['connections.count']);
  c.subscriptions.value.textContent = num(stats['subscriptions.count']);
  c.retained.value.textContent = num(stats['retained.count']);
  c.received.value.textContent = num(metrics['messages.received']);
  c.inRate.value.textContent = rate(inRate);
  c.outRate.value.textContent = rate(outRate);
  if (prev) {
    history.in = [...history.in, inRate ?? 0].slice(-HISTORY);
    history.out = [...history.out, outRate ?? 0].slice(-HISTORY);
  }
  fill(el.sparkIn, sparkline(history.in, HISTORY));
  fill(el.sparkOut, sparkline(history.out, HISTORY));

  const ruleRows = rules.data.map((r) => {
    const m = r.metrics;
    const p = prev?.rules.get(r.id);
    return h(
      'tr',
      { dataset: { rule: r.id } },
      h('td', h('a', { href: '#rules' }, r.id)),
      h('td', statusPill(r.status)),
      h('td.num', { dataset: { col: 'matched' } }, num(m.matched)),
      h('td.num', rate(perSecond(m.matched, p?.matched, dt))),
      h('td.num', { dataset: { col: 'passed' } }, num(m.passed)),
      h('td.num', rate(perSecond(m.passed, p?.passed, dt))),
      h('td.num', { dataset: { col: 'failed' } }, num(m.failed)),
      h('td.num', rate(perSecond(m.failed, p?.failed, dt))),
    );
  });
  fill(el.rules, table(['Rule', 'Status', 'Matched', 'Matched/s', 'Passed', 'Passed/s', 'Failed', 'Failed/s'], ruleRows, 'No rules loaded.'));

  const actionRows = actions.map((a) => {
    const m = a.metrics;
    const buffer = a.hstreamdb?.buffer;
    return h(
      'tr',
      { dataset: { action: a.name } },
      h('td', h('a', { href: '#actions' }, a.name)),
      h('td', a.type),
      h('td', statusPill(a.status, a.reason), a.reason ? h('div.reason', a.reason) : null),
      h('td.num', { dataset: { col: 'success' } }, num(m.success)),
      h('td.num', num(m.failed)),
      h('td.num', num(m.dropped)),
      h('td.num', num(m.queuing)),
      h('td.num', num(m.inflight)),
      h('td', buffer ? `${bytes(buffer.diskBytes)} · ${num(buffer.unread)} rows` : a.hstreamdb ? `memory · ${bytes(m.queuing_bytes)}` : '—'),
    );
  });
  fill(el.actions, table(['Action', 'Type', 'Health', 'Success', 'Failed', 'Dropped', 'Queuing', 'Inflight', 'Buffer'], actionRows, 'No actions.'));

  prev = {
    t,
    received: metrics['messages.received'],
    sent: metrics['messages.sent'],
    rules: new Map(rules.data.map((r) => [r.id, r.metrics])),
  };
}

export default { title: 'Overview', mount, refresh };
