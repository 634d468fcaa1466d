/**
 * Reading and writing along paths (`payload.x[2].y`), after emqx_rule_maps nested_get/nested_put:
 *
 * - reads: a key on a map gives its value; on anything else undefined. An index is 1-based, negative from the
 *   end, 0 or out of range → undefined. A string met on the way is decoded as JSON first (undefined if it is not
 *   JSON) — that is how `payload.inner.k` reads a JSON-encoded `inner`.
 * - an index by variable (`a[i]`) resolves `i` against the *root* of the path (the payload for payload paths).
 * - writes (aliases such as `AS a.b[1]`): a key on a non-map makes a fresh one-key map; an index on a non-list
 *   makes a one-element list; `[0]` prepends, `[-0]` appends, an index out of range leaves the list as is.
 *   Containers are copied, never mutated (they may be shared with the decoded payload).
 */
import type { PathStep } from '../grammar/ast.js';
import { payloadJsonSoft, payloadText, type EvalContext } from './context.js';
import { parseJson } from '../common/json-parse.js';
import { binaryText } from './values.js';

export const KEY = 0;
export const INDEX = 1;
export const HEAD = 2;
export const TAIL = 3;
export const INDEX_VAR = 4;

/** A compiled path step. `safe` keys can be read with `o[k]` (they are not Object.prototype members). */
export type CStep =
  | { readonly k: typeof KEY; readonly key: string; readonly safe: boolean }
  | { readonly k: typeof INDEX; readonly i: number }
  | { readonly k: typeof HEAD }
  | { readonly k: typeof TAIL }
  | { readonly k: typeof INDEX_VAR; readonly root: string; readonly steps: readonly CStep[] };

const PROTO_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/** True when `o[key]` could find an inherited member instead of an own property. */
export function isProtoName(key: string): boolean {
  return PROTO_NAMES.has(key);
}

export function compileSteps(steps: readonly PathStep[]): CStep[] {
  return steps.map((s): CStep => {
    switch (s.kind) {
      case 'Key':
        return { k: KEY, key: s.key, safe: !isProtoName(s.key) };
      case 'Index':
        return { k: INDEX, i: s.index };
      case 'Head':
        return { k: HEAD };
      case 'Tail':
        return { k: TAIL };
      case 'IndexVar':
        return { k: INDEX_VAR, root: s.path.root, steps: compileSteps(s.path.steps) };
      default: {
        const never: never = s;
        return never;
      }
    }
  });
}

/** An own property, or undefined (never an inherited member). */
export function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** Sets an own property, also for the key `__proto__`. */
export function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}

/** Decodes a string met along a path; the context's payload reuses its cached decode. Undefined if not JSON. */
function decodeSoft(v: string | Uint8Array, ctx: EvalContext): unknown {
  let text: string;
  if (typeof v === 'string') {
    if (v === ctx.payload || v === payloadText(ctx)) return payloadJsonSoft(ctx);
    text = v;
  } else {
    if (v === ctx.payload) return payloadJsonSoft(ctx);
    text = binaryText(v);
  }
  try {
    return parseJson(text, true);
  } catch {
    return undefined;
  }
}

/** Unwraps JSON-encoded strings until a non-string (EMQX's general_find decodes repeatedly). */
function unwrap(v: unknown, ctx: EvalContext): unknown {
  while (typeof v === 'string' || v instanceof Uint8Array) v = decodeSoft(v, ctx);
  return v;
}

export function getKey(v: unknown, key: string, safe: boolean, ctx: EvalContext): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v !== 'string') return undefined;
    v = unwrap(v, ctx);
    if (typeof v !== 'object' || v === null) return undefined;
  } else if (v instanceof Uint8Array) {
    v = unwrap(v, ctx);
    if (typeof v !== 'object' || v === null) return undefined;
  }
  if (Array.isArray(v)) return undefined;
  return safe ? (v as Record<string, unknown>)[key] : own(v as Record<string, unknown>, key);
}

export function getIndex(v: unknown, i: unknown, ctx: EvalContext): unknown {
  if (!Array.isArray(v)) {
    v = unwrap(v, ctx);
    if (!Array.isArray(v)) return undefined;
  }
  if (typeof i !== 'number' || !Number.isInteger(i) || i === 0) return undefined;
  const list = v as unknown[];
  return i > 0 ? list[i - 1] : list[list.length + i];
}

/**
 * How an index variable finds its root: `org` is a getter by name (for paths rooted in a scope: the output
 * being built, the columns, the merged view) or null, and then `orgValue` is the root value itself (the decoded
 * payload for payload paths).
 */
export type OrgGetter<S> = ((st: S, name: string) => unknown) | null;

/** Follows `steps` from `v`. `st` is passed through to `org` for index variables. */
export function walk<S extends { ctx: EvalContext }>(v: unknown, steps: readonly CStep[], st: S, org: OrgGetter<S>, orgValue: unknown): unknown {
  const ctx = st.ctx;
  for (let n = 0; n < steps.length; n++) {
    if (v === undefined) return undefined;
    const s = steps[n];
    switch (s.k) {
      case KEY:
        v = getKey(v, s.key, s.safe, ctx);
        break;
      case INDEX:
        v = getIndex(v, s.i, ctx);
        break;
      case HEAD:
      case TAIL:
        v = undefined;
        break;
      case INDEX_VAR:
        v = getIndex(v, resolveIndexVar(s, st, org, orgValue), ctx);
        break;
    }
  }
  return v;
}

function resolveIndexVar<S extends { ctx: EvalContext }>(
  s: { readonly root: string; readonly steps: readonly CStep[] },
  st: S,
  org: OrgGetter<S>,
  orgValue: unknown,
): unknown {
  const root = org !== null ? org(st, s.root) : getKey(orgValue, s.root, !isProtoName(s.root), st.ctx);
  return walk(root, s.steps, st, org, orgValue);
}

/** Erlang setnth: the list with position `i` set (see the file comment); never mutates `list`. */
function setNth(i: unknown, list: unknown, v: unknown): unknown[] {
  if (!Array.isArray(list)) return [v];
  if (i === HEAD_MARK) return [v, ...list];
  if (i === TAIL_MARK) return [...list, v];
  if (typeof i !== 'number' || !Number.isInteger(i) || i === 0) return list;
  const at = i > 0 ? i - 1 : list.length + i;
  if (at < 0 || at >= list.length) return list;
  const copy = list.slice();
  copy[at] = v;
  return copy;
}

const HEAD_MARK = Symbol('head');
const TAIL_MARK = Symbol('tail');

/** Reads one step while writing (general_map_get): decodes strings softly like reads do. */
function readForPut<S extends { ctx: EvalContext }>(data: unknown, s: CStep, st: S, org: OrgGetter<S>, orgValue: unknown): unknown {
  switch (s.k) {
    case KEY:
      return getKey(data, s.key, s.safe, st.ctx);
    case INDEX:
      return getIndex(data, s.i, st.ctx);
    case HEAD:
    case TAIL:
      return undefined;
    case INDEX_VAR:
      return getIndex(data, resolveIndexVar(s, st, org, orgValue), st.ctx);
  }
}

/** Returns `data` with `val` written at `steps[n..]`; containers on the way are copied. */
export function putIn<S extends { ctx: EvalContext }>(
  data: unknown,
  steps: readonly CStep[],
  n: number,
  val: unknown,
  st: S,
  org: OrgGetter<S>,
  orgValue: unknown,
): unknown {
  if (n === steps.length) return val;
  const s = steps[n];
  const sub = readForPut(data, s, st, org, orgValue);
  const newSub = putIn(sub, steps, n + 1, val, st, org, orgValue);
  switch (s.k) {
    case KEY: {
      if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Uint8Array) {
        const fresh: Record<string, unknown> = {};
        setOwn(fresh, s.key, newSub);
        return fresh;
      }
      const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
      setOwn(copy, s.key, newSub);
      return copy;
    }
    case INDEX:
      return setNth(s.i, data, newSub);
    case HEAD:
      return setNth(HEAD_MARK, data, newSub);
    case TAIL:
      return setNth(TAIL_MARK, data, newSub);
    case INDEX_VAR:
      return setNth(resolveIndexVar(s, st, org, orgValue), data, newSub);
  }
}
