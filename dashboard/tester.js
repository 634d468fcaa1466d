// Rule tester: SQL + an event context → output rows, NOT_MATCH or the error, through POST /api/v5/rule_test.
import { api, ApiError, get } from './api.js';
import { fill, h, notice } from './ui.js';

// Context fields with their own input; every other example column goes into the JSON box.
const NAMED = ['clientid', 'username', 'topic', 'qos', 'payload'];
// Filled in by the tester itself (fresh ids and times), so the example leaves them out.
const AUTOMATIC = new Set(['event', 'event_type', 'id', 'timestamp', 'node', 'publish_received_at']);

let el = {};
let events = [];

function field(name, input) {
  return h('label.field', { dataset: { field: name } }, h('span', name), input);
}

function mount(main) {
  el = {
    event: h('select', { id: 't-event', onchange: () => prefill() }),
    sql: h('textarea.sql', { id: 't-sql', rows: 6, spellcheck: false }),
    clientid: h('input', { id: 't-clientid' }),
    username: h('input', { id: 't-username' }),
    topic: h('input', { id: 't-topic' }),
    qos: h(
      'select',
      { id: 't-qos' },
      ['0', '1', '2'].map((q) => h('option', { value: q }, q)),
    ),
    payload: h('textarea', { id: 't-payload', rows: 4, spellcheck: false }),
    other: h('textarea.json', { id: 't-other', rows: 8, spellcheck: false }),
    run: h('button', { id: 't-run', type: 'submit' }, 'Run test'),
    message: h('p.notice', { id: 't-message', role: 'status', hidden: true }),
    output: h('div', { id: 't-output' }),
  };
  el.fields = {};
  for (const name of NAMED) el.fields[name] = field(name, el[name]);
  const form = h(
    'form.tester',
    { onsubmit: run },
    h('label.field', h('span', 'Event'), el.event),
    h('label.field.wide', h('span', 'SQL'), el.sql),
    h(
      'fieldset',
      h('legend', 'Context'),
      h('div.grid', el.fields.clientid, el.fields.username, el.fields.topic, el.fields.qos),
      h('div.wide', el.fields.payload),
      h('label.field.wide', h('span', 'Other columns (JSON object): MQTT 5 properties such as pub_props, flags, peerhost…'), el.other),
    ),
    h('div.toolbar', el.run, h('span.hint', 'Runs the same code as POST /api/v5/rule_test; nothing is published.')),
  );
  main.append(h('h1', 'Rule tester'), form, el.message, el.output);
  void loadEvents();
}

async function loadEvents() {
  try {
    events = await get('/api/v5/rule_events');
  } catch (err) {
    notice(el.message, 'error', `Could not load the event examples: ${err.message}`);
    return;
  }
  fill(
    el.event,
    events.map((e) =>
      h(
        'option',
        { value: e.event_type },
        e.event_type === 'message_publish' ? 'message_publish (FROM a topic filter)' : `${e.event_type} (FROM "${e.event}")`,
      ),
    ),
  );
  prefill();
}

/** Fills the form with the chosen event's example context and SQL. */
function prefill() {
  const ev = events.find((e) => e.event_type === el.event.value);
  if (!ev) return;
  const cols = ev.test_columns;
  el.sql.value = ev.sql_example;
  for (const name of NAMED) {
    const has = name in cols;
    el.fields[name].hidden = !has;
    if (has) el[name].value = typeof cols[name] === 'string' ? cols[name] : String(cols[name]);
  }
  const other = {};
  for (const [k, v] of Object.entries(cols)) if (!NAMED.includes(k) && !AUTOMATIC.has(k)) other[k] = v;
  el.other.value = JSON.stringify(other, null, 2);
  fill(el.output);
  notice(el.message, 'info', '');
}

/** The request context, or a message saying what to fix. */
function context() {
  const ctx = { event_type: el.event.value };
  for (const name of NAMED) {
    if (el.fields[name].hidden) continue;
    ctx[name] = name === 'qos' ? Number(el.qos.value) : el[name].value;
  }
  const text = el.other.value.trim();
  if (text) {
    let other;
    try {
      other = JSON.parse(text);
    } catch (err) {
      return `Other columns is not valid JSON: ${err.message}`;
    }
    if (other === null || typeof other !== 'object' || Array.isArray(other))
      return 'Other columns must be a JSON object, like {"pub_props": {"User-Property": {"k": "v"}}}.';
    Object.assign(ctx, other);
  }
  return ctx;
}

async function run(e) {
  e.preventDefault();
  fill(el.output);
  const ctx = context();
  if (typeof ctx === 'string') return notice(el.message, 'error', ctx);
  el.run.disabled = true;
  notice(el.message, 'info', 'Running…');
  try {
    const res = await api('POST', '/api/v5/rule_test', { sql: el.sql.value, context: ctx }, [412]);
    if (res.status === 412) {
      notice(el.message, 'info', `NOT_MATCH: ${res.json?.message ?? 'SQL Not Match'}. No FROM topic matches the event's topic, or WHERE is false.`);
      return;
    }
    const rows = Array.isArray(res.json) ? res.json : [res.json];
    notice(el.message, 'ok', `Matched: ${rows.length} output row(s).`);
    fill(el.output, h('h2', 'Output'), h('pre.output', { id: 't-result' }, JSON.stringify(res.json, null, 2)));
  } catch (err) {
    if (err instanceof ApiError && err.status === 413) notice(el.message, 'error', `Too large: ${err.message}. Use a smaller payload.`);
    else notice(el.message, 'error', err instanceof ApiError ? `${err.code}: ${err.message}` : err.message);
  } finally {
    el.run.disabled = false;
  }
}

export default { title: 'Rule tester', mount };
