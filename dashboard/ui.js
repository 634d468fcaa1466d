// Small DOM helpers: elements are built with h(), never from HTML strings (no injection from client ids or SQL).

/** h('td.num', { title: 'x' }, 'text', child...) → element. Attributes starting with 'on' add listeners. */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  const plain = attrs !== null && typeof attrs === 'object' && !(attrs instanceof Node) && !Array.isArray(attrs);
  if (!plain) {
    children.unshift(attrs);
    attrs = undefined;
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string')
      el[k] = v; // properties: hidden, disabled, rows, spellcheck
    else if (v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message box: kind is 'error', 'ok' or 'info'. An empty text hides it. */
export function notice(el, kind, text) {
  el.className = `notice ${kind}`;
  el.textContent = text ?? '';
  el.hidden = !text;
}

export function table(headers, rows, empty = 'Nothing here yet.') {
  if (rows.length === 0) return h('p.empty', empty);
  return h(
    'table',
    h(
      'thead',
      h(
        'tr',
        headers.map((x) => h('th', x)),
      ),
    ),
    h('tbody', rows),
  );
}

const nf = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
export function num(n) {
  return typeof n === 'number' && Number.isFinite(n) ? nf.format(n) : '—';
}

export function rate(n) {
  return typeof n === 'number' && Number.isFinite(n) ? `${nf.format(n)}/s` : '—';
}

export function bytes(n) {
  if (typeof n !== 'number') return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${nf.format(n)} ${units[i]}`;
}

export function since(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** A status pill: connected → green, connecting → amber, anything else → red. */
export function statusPill(status, reason) {
  const kind = status === 'connected' || status === 'running' ? 'good' : status === 'connecting' ? 'warn' : 'bad';
  return h(`span.pill.${kind}`, { title: reason || status }, status);
}

/** Source text with line numbers (a gutter the reader can rely on when an error names a line). */
export function numbered(text, startLine = 1) {
  const lines = text.replace(/\n+$/, '').split('\n');
  return h(
    'pre.code',
    lines.map((line, i) => h('span.line', h('span.ln', String(startLine + i)), line, '\n')),
  );
}

/** Renders the samples as an SVG polyline, right-aligned in `slots` slots (so a new chart fills in from the right). */
export function sparkline(values, slots = 60, width = 240, height = 40) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('preserveAspectRatio', 'none');
  const finite = values.filter((v) => Number.isFinite(v));
  const max = Math.max(1, ...finite);
  const step = width / (slots - 1);
  const offset = slots - values.length;
  const points = values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(height - 2 - ((Number.isFinite(v) ? v : 0) / max) * (height - 4)).toFixed(1)}`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.append(line);
  return svg;
}
