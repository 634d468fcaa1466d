// Actions: each action's health, counters and settings (HStreamDB: stream, shards, key, template), Append latency, a connection test.
import { api, get } from './api.js';
import { bytes, fill, h, notice, num, statusPill } from './ui.js';

let el = {};
let shownNames = '';
const cards = new Map();

function mount(main) {
  shownNames = '';
  cards.clear();
  el = { list: h('div', { id: 'a-list' }) };
  main.append(h('h1', 'Actions'), el.list);
}

function ms(v) {
  return typeof v === 'number' ? `${v < 10 ? v.toFixed(2) : Math.round(v)} ms` : '—';
}

async function testConnection(name, button, out) {
  button.disabled = true;
  notice(out, 'info', 'Testing…');
  try {
    const res = await api('POST', `/api/v5/rulemq/actions/${encodeURIComponent(name)}/test`);
    notice(out, 'ok', `OK: ${res.json.message}`);
  } catch (err) {
    notice(out, 'error', `Failed: ${err.message}`);
  } finally {
    button.disabled = false;
  }
}

function card(a) {
  const c = {
    health: h('span'),
    settings: h('dl.settings'),
    counters: h('dl.counters'),
    template: h('pre.code'),
    result: h('p.notice', { role: 'status', hidden: true }),
  };
  const button = a.hstreamdb
    ? h('button', { type: 'button', dataset: { test: a.name }, onclick: (e) => testConnection(a.name, e.currentTarget, c.result) }, 'Test connection')
    : null;
  c.node = h(
    'article.action',
    { id: `action-${a.name}` },
    h('header', h('h2', a.name), h('span.muted', a.type), c.health, button),
    c.result,
    c.settings,
    a.hstreamdb ? h('div', h('div.k', 'Record template'), c.template) : null,
    c.counters,
  );
  return c;
}

function pairs(dl, entries) {
  fill(
    dl,
    entries.map(([k, v]) => h('div', h('dt', k), h('dd', v))),
  );
}

function update(c, a) {
  fill(c.health, statusPill(a.status, a.reason), a.reason ? h('span.reason', a.reason) : null);
  const s = a.hstreamdb;
  if (s) {
    pairs(c.settings, [
      ['Stream', h('code', s.stream)],
      ['Shards', num(s.shards)],
      ['Partition key', h('code', s.partition_key || '(none: round robin)')],
      ['Connector', s.connector],
      ['Format', s.record_format],
      ['Query mode', s.query_mode],
      ['Ack mode', s.ack_mode],
      ['Batch', `${s.batch_size} rows / ${s.batch_interval_ms} ms`],
      [
        'Buffer',
        s.buffer
          ? `disk: ${bytes(s.buffer.diskBytes)} of ${bytes(s.max_buffer_bytes)}, ${num(s.buffer.unread)} rows unread`
          : `memory: ${bytes(a.metrics.queuing_bytes)} of ${bytes(s.max_buffer_bytes)}`,
      ],
      [
        'Append latency',
        `mean ${ms(a.latency.mean_ms)} · p50 ≤ ${ms(a.latency.p50_le_ms)} · p99 ≤ ${ms(a.latency.p99_le_ms)} (${num(a.latency.count)} requests)`,
      ],
    ]);
    if (c.template.textContent !== s.record_template) c.template.textContent = s.record_template;
  }
  const m = a.metrics;
  pairs(
    c.counters,
    ['matched', 'success', 'failed', 'dropped', 'queuing', 'inflight', 'retried'].map((k) => [k, h('span', { dataset: { metric: k } }, num(m[k]))]),
  );
}

async function refresh() {
  const actions = await get('/api/v5/rulemq/actions');
  const names = JSON.stringify(actions.map((a) => [a.name, a.type]));
  if (names !== shownNames) {
    cards.clear();
    for (const a of actions) cards.set(a.name, card(a));
    fill(el.list, actions.length ? [...cards.values()].map((c) => c.node) : h('p.empty', 'No actions: rules.sql declares none.'));
    shownNames = names;
  }
  for (const a of actions) update(cards.get(a.name), a);
}

export default { title: 'Actions', mount, refresh };
