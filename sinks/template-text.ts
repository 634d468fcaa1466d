/**
 * `${path}` text templates for built-in actions (republish topic and payload), rendered the way
 * EMQX renders them: strings as is, numbers and booleans as text, maps and lists as JSON, a
 * missing value as `undefined`. `${payload.x}` reaches into a JSON payload string; a quoted segment
 * (`${pub_props.'User-Property'}`) may hold any character but its quote. Compiled once.
 */

type Part = string | readonly string[];

export interface TextTemplate {
  readonly source: string;
  readonly placeholders: readonly string[];
  render(row: Record<string, unknown>): string;
  /** The value itself when the template is one placeholder (`${pub_props.'User-Property'}` → a map), else `render`. */
  value(row: Record<string, unknown>): unknown;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

export function compileTextTemplate(source: string): TextTemplate {
  const parts: Part[] = [];
  const placeholders: string[] = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(source.slice(last, m.index));
    const path = m[1].trim();
    placeholders.push(path);
    parts.push(splitPath(path));
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const constant = parts[0];
    return { source, placeholders, render: () => constant, value: () => constant };
  }
  const render = (row: Record<string, unknown>): string => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : valueToText(lookupPath(row, p));
    return out;
  };
  const only = parts.length === 1 ? parts[0] : null;
  return {
    source,
    placeholders,
    render,
    value: only !== null && typeof only !== 'string' ? (row) => lookupPath(row, only) : render,
  };
}

/** `a.b`, `pub_props.'User-Property'`, `x."a.b"` → path segments, quotes removed. */
function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(/'([^']*)'|"([^"]*)"|([^.]+)/g)) out.push(m[1] ?? m[2] ?? m[3].trim());
  return out;
}

/** Follows a dotted path; a JSON string met on the way is decoded (EMQX does the same for `payload.x`). */
export function lookupPath(row: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = row;
  for (const key of path) {
    if (typeof v === 'string' || Buffer.isBuffer(v)) {
      try {
        v = JSON.parse(v.toString());
      } catch {
        return undefined;
      }
    }
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function valueToText(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v, (_k, x: unknown) => (x === undefined ? 'undefined' : x));
  return String(v);
}
