// Rules: each rule of rules.sql with its SQL, FROM topics, actions and counters; the last reload and its errors.
import { api, ApiError, get } from './api.js';
import { fill, h, notice, num, numbered, statusPill } from './ui.js';

let el = {};
let shownRules = '';
let shownReload = '';

function mount(main) {
  shownRules = '';
  shownReload = '';
  el = {
    button: h('button', { id: 'reload', type: 'button', onclick: reload }, 'Reload rules.sql'),
    result: h('p.notice', { id: 'reload-result', role: 'status', hidden: true }),
    file: h('code'),
    last: h('div', { id: 'last-reload' }),
    list: h('div', { id: 'rule-list' }),
  };
  main.append(h('h1', 'Rules'), h('div.toolbar', h('span', 'File: ', el.file), el.button), el.result, el.last, el.list);
}

async function reload() {
  el.button.disabled = true;
  notice(el.result, 'info', 'Reloading…');
  try {
    await api('POST', '/api/v5/rules/reload');
    notice(el.result, 'ok', 'Reloaded: the new rules are running.');
  } catch (err) {
    // A file with errors answers 400 with the diagnostics; the last-reload box below shows them with positions.
    notice(
      el.result,
      'error',
      err instanceof ApiError && err.status === 400 ? 'Reload failed; the old rules keep running. See the errors below.' : `Reload failed: ${err.message}`,
    );
  } finally {
    el.button.disabled = false;
    await refresh().catch(() => {});
  }
}

function renderReload(file, last) {
  el.file.textContent = file ?? '(no rules file)';
  if (!last) return fill(el.last);
  const when = `${new Date(last.at).toLocaleString()} (${last.reason})`;
  if (last.ok) return fill(el.last, h('p.notice.ok', `Last load ${when}: OK, ${last.rules} rule(s) running.`));
  fill(
    el.last,
    h(
      'div.errors',
      { role: 'alert' },
      h('h2', `Last load ${when} failed: ${last.errors.length} error(s). The previous rules keep running.`),
      last.errors.map((e) =>
        h('div.diag', h('div.diag-head', e.line !== undefined ? `line ${e.line}, column ${e.column}` : 'file', ' · ', h('code', e.code)), h('pre', e.text)),
      ),
    ),
  );
}

function ruleCard(r) {
  const counters = h('dl.counters', { dataset: { rule: r.id } });
  fillCounters(counters, r.metrics);
  return h(
    'article.rule',
    { id: `rule-${r.id}` },
    h('header', h('h2', r.id), statusPill(r.status), r.description ? h('span.desc', r.description) : null),
    h(
      'div.meta',
      h(
        'div',
        h('span.k', 'FROM '),
        r.from.map((f) => h('code.tag', f)),
      ),
      h('div', h('span.k', 'Actions '), r.actions.length ? r.actions.map((a) => h('code.tag', a)) : h('span.muted', 'none')),
    ),
    numbered(r.sql),
    counters,
  );
}

function fillCounters(dl, m) {
  fill(
    dl,
    ['matched', 'passed', 'failed', 'failed.exception', 'failed.no_result', 'actions.success', 'actions.failed'].map((k) =>
      h('div', h('dt', k), h('dd', { dataset: { metric: k } }, num(m[k]))),
    ),
  );
}

async function refresh() {
  const [rules, reloadInfo] = await Promise.all([get('/api/v5/rules'), get('/api/v5/rulemq/reload')]);
  const reloadKey = JSON.stringify(reloadInfo);
  if (reloadKey !== shownReload) {
    renderReload(reloadInfo.file, reloadInfo.last);
    shownReload = reloadKey;
  }
  // Rebuild the cards only when the rules change, so a reader's selection in the SQL survives the refresh.
  const rulesKey = JSON.stringify(rules.data.map((r) => [r.id, r.sql, r.status, r.from, r.actions]));
  if (rulesKey !== shownRules) {
    fill(el.list, rules.data.length ? rules.data.map(ruleCard) : h('p.empty', 'No rules loaded.'));
    shownRules = rulesKey;
    return;
  }
  for (const r of rules.data) {
    const dl = el.list.querySelector(`dl[data-rule="${CSS.escape(r.id)}"]`);
    if (dl) fillCounters(dl, r.metrics);
  }
}

export default { title: 'Rules', mount, refresh };
