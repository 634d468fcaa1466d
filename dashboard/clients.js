// Clients: who is connected, searchable by client id or user name, with a disconnect button.
import { api, get } from './api.js';
import { fill, h, notice, since, table } from './ui.js';

let el = {};
let shown = '';
let searchTimer = null;

function mount(main) {
  shown = '';
  el = {
    search: h('input', {
      id: 'c-search',
      type: 'search',
      placeholder: 'type part of it',
      oninput: () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => void refresh().catch(() => {}), 200);
      },
    }),
    by: h(
      'select',
      { id: 'c-by', onchange: () => void refresh().catch(() => {}) },
      h('option', { value: 'like_clientid' }, 'client id'),
      h('option', { value: 'like_username' }, 'user name'),
    ),
    count: h('span.muted', { id: 'c-count' }),
    message: h('p.notice', { id: 'c-message', role: 'status', hidden: true }),
    list: h('div', { id: 'c-list' }),
  };
  main.append(h('h1', 'Clients'), h('div.toolbar', h('label', 'Search ', el.by, ' ', el.search), el.count), el.message, el.list);
}

async function disconnect(clientid, button) {
  button.disabled = true;
  try {
    await api('DELETE', `/api/v5/clients/${encodeURIComponent(clientid)}`);
    notice(el.message, 'ok', `Disconnected ${clientid}.`);
  } catch (err) {
    notice(el.message, 'error', `Could not disconnect ${clientid}: ${err.message}`);
    button.disabled = false;
  }
  await refresh().catch(() => {});
}

function protocol(c) {
  return c.proto_ver === 5 ? 'MQTT 5' : c.proto_ver === 4 ? 'MQTT 3.1.1' : c.proto_ver === 3 ? 'MQTT 3.1' : `v${c.proto_ver}`;
}

async function refresh() {
  const q = el.search.value.trim();
  const params = new URLSearchParams({ limit: '500' });
  if (q) params.set(el.by.value, q);
  const res = await get(`/api/v5/clients?${params}`);
  el.count.textContent = `${res.meta.count} connected${q ? ' matching' : ''}${res.meta.hasnext ? ' (first 500 shown)' : ''}`;
  // Redraw only on change: a click on a button must not land on a row being replaced.
  const key = JSON.stringify(res.data.map((c) => [c.clientid, c.username, c.ip_address, c.port, c.subscriptions]));
  if (key === shown) {
    for (const span of el.list.querySelectorAll('span[data-since]')) span.textContent = `for ${since(span.dataset.since)}`;
    return;
  }
  shown = key;
  const rows = res.data.map((c) =>
    h(
      'tr',
      { dataset: { client: c.clientid } },
      h('td', h('code', c.clientid)),
      h('td', c.username ?? h('span.muted', '—')),
      h('td', `${c.ip_address}:${c.port}`),
      h('td', protocol(c)),
      h(
        'td',
        { title: c.connected_at },
        new Date(c.connected_at).toLocaleString(),
        h('div.muted', h('span', { dataset: { since: c.connected_at } }, `for ${since(c.connected_at)}`)),
      ),
      h('td', c.subscriptions.length ? c.subscriptions.map((s) => h('code.tag', { title: `QoS ${s.qos}` }, s.topic)) : h('span.muted', 'none')),
      h('td', h('button.danger', { type: 'button', onclick: (e) => disconnect(c.clientid, e.currentTarget) }, 'Disconnect')),
    ),
  );
  fill(
    el.list,
    table(
      ['Client id', 'User name', 'Address', 'Protocol', 'Connected since', 'Subscriptions', ''],
      rows,
      q ? 'No connected client matches.' : 'No client is connected.',
    ),
  );
}

export default { title: 'Clients', mount, refresh };
