/**
 * Field lists (SELECT, FOREACH, DO) → one function that fills the output object `st.act`.
 *
 * Output keys (emqx_rule_runtime alias/2 and nested_put): an alias names the key (a path alias nests: `AS a.b`,
 * `AS c[-0]`); an un-aliased name keeps its name; an un-aliased path keeps its shape (`payload.a` →
 * `{payload: {a}}`); a string constant is its own key; anything else gets a generated key
 * `_v_<kind>_<what>_<field#>` (EMQX appends a timestamp instead; ours is stable so tests and templates can use it).
 *
 * Writing under `payload` first decodes a payload string held there when EMQX's ensure_decoded_payload does
 * (the write's key kind matches how the payload got there, see compile-scope.ts): `SELECT payload, 1 AS
 * payload.x` gives the whole payload plus x, `SELECT payload, payload.a` gives `{payload: {a}}`.
 */
import type { Expr, PathExpr, SelectItem } from '../grammar/ast.js';
import { compileValue } from './compile-expr.js';
import { columnValue, decodePayloadValue, payloadColumn, type CompileEnv, type EvalState, type Ev, type PayloadKind, type Scope } from './compile-scope.js';
import { compileSteps, isProtoName, own, putIn, setOwn, type CStep, type OrgGetter } from './paths.js';
import { isBinary } from './values.js';

type Op = (st: EvalState) => void;

/** Copies every context column (payload as text, metadata with the rule id) into `target`. */
export function copyColumns(env: CompileEnv, st: EvalState, target: Record<string, unknown>): void {
  const ctx = st.ctx;
  for (const k in ctx) setOwn(target, k, k === 'payload' ? payloadColumn(ctx) : ctx[k]);
  if (env.ruleId !== undefined) setOwn(target, 'metadata', columnValue(env, ctx, 'metadata'));
}

/** The merged view as an object: columns, then the selected fields, then the FOREACH item. */
export function mergedObject(env: CompileEnv, st: EvalState, itemKey: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  copyColumns(env, st, out);
  for (const k of Object.keys(st.sel)) setOwn(out, k, st.sel[k]);
  if (itemKey !== null) setOwn(out, itemKey, st.item);
  return out;
}

function erlangOp(op: string): string {
  return op === 'div' || op === 'mod' ? op : `'${op}'`;
}

/** The generated key of an un-aliased expression that has no name of its own. */
function ephemeralKey(e: Expr, n: number): string {
  switch (e.kind) {
    case 'Number':
      return `_v_const_${e.raw}_${n}`;
    case 'Bool':
      return `_v_const_${e.value}_${n}`;
    case 'Array':
      return `_v_list_${e.items.length}_${n}`;
    case 'Range':
      return `_v_range_{${e.from},${e.to}}_${n}`;
    case 'Binary':
    case 'Compare':
      return `_v_op_${erlangOp(e.op)}_${n}`;
    case 'Case':
      return `_v_case_${e.subject === null ? '<<>>' : 'switch'}_${n}`;
    case 'Call':
      return `_v_fun_${e.name}_${n}`;
    case 'Unary':
    case 'And':
    case 'Or':
    case 'Not':
    case 'In':
    case 'String':
    case 'Path':
    case 'Slice':
      return `_v_unknown_${n}`;
  }
}

/** Where an un-aliased field goes: a path (kept shape) or a plain key. */
function implicitTarget(e: Expr, n: number): { path: PathExpr | null; key: string; kind: PayloadKind } {
  if (e.kind === 'Path') return { path: e, key: e.root, kind: e.steps.length > 0 ? 'atom' : 'binary' };
  if (e.kind === 'Slice') return { path: e.target, key: e.target.root, kind: e.target.steps.length > 0 ? 'atom' : 'binary' };
  if (e.kind === 'String') return { path: null, key: e.value, kind: 'binary' };
  return { path: null, key: ephemeralKey(e, n), kind: 'binary' };
}

const actOrg: OrgGetter<EvalState> = (st, name) => own(st.act, name);

/** EMQX ensure_decoded_payload: a payload string under `payload` becomes its decoded JSON before a nested write. */
function ensureDecoded(st: EvalState): void {
  const p = own(st.act, 'payload');
  if (isBinary(p)) setOwn(st.act, 'payload', decodePayloadValue(st, p));
}

/** Writes a value at `top.steps` in `st.act`. */
type Write = (st: EvalState, v: unknown) => void;

function writer(top: string, steps: readonly CStep[], decodeFirst: boolean): Write {
  if (steps.length === 0) {
    if (!isProtoName(top)) {
      return (st, v) => {
        st.act[top] = v;
      };
    }
    return (st, v) => setOwn(st.act, top, v);
  }
  return (st, v) => {
    if (decodeFirst) ensureDecoded(st);
    setOwn(st.act, top, putIn(own(st.act, top), steps, 0, v, st, actOrg, undefined));
  };
}

/** FOREACH: `expr AS name` items before the last also update the columns later items see. */
function shadowOp(env: CompileEnv, top: string, steps: readonly CStep[]): (st: EvalState, v: unknown) => void {
  const colsOrg: OrgGetter<EvalState> = (st, name) => (st.shadow !== null && Object.hasOwn(st.shadow, name) ? st.shadow[name] : columnValue(env, st.ctx, name));
  return (st, v) => {
    if (st.shadow === null) st.shadow = {};
    if (steps.length === 0) {
      setOwn(st.shadow, top, v);
      return;
    }
    const base = Object.hasOwn(st.shadow, top) ? st.shadow[top] : columnValue(env, st.ctx, top);
    setOwn(st.shadow, top, putIn(base, steps, 0, v, st, colsOrg, undefined));
  };
}

function noteWrite(sc: Scope, top: string, kind: PayloadKind): void {
  sc.written.add(top);
  if (top === 'payload' && sc.payloadKind === 'none') sc.payloadKind = kind;
}

function starOp(sc: Scope): Op {
  const env = sc.env;
  if (sc.fallback !== 'merged') return (st) => copyColumns(env, st, st.act);
  const itemKey = sc.itemKey;
  return (st) => {
    const all = mergedObject(env, st, itemKey);
    for (const k of Object.keys(all)) setOwn(st.act, k, all[k]);
  };
}

/** Compiles one `expr [AS alias]` item: its value, how to write it, and the op doing both. */
function fieldOp(item: Exclude<SelectItem, { kind: 'Star' }>, n: number, sc: Scope, shadow: boolean): { op: Op; value: Ev; write: Write } {
  const ev = compileValue(item.expr, sc);
  let top: string;
  let steps: CStep[];
  let kind: PayloadKind;
  if (item.alias !== null) {
    top = item.alias.root;
    steps = compileSteps(item.alias.steps);
    kind = 'binary';
  } else {
    const t = implicitTarget(item.expr, n);
    top = t.key;
    steps = t.path !== null ? compileSteps(t.path.steps) : [];
    kind = t.kind;
  }
  const decodeFirst = top === 'payload' && steps.length > 0 && sc.payloadKind === kind;
  const write = writer(top, steps, decodeFirst);
  let op: Op;
  if (shadow && item.alias !== null) {
    const shadowWrite = shadowOp(sc.env, top, steps);
    op = (st) => {
      const v = ev(st);
      write(st, v);
      shadowWrite(st, v);
    };
    sc.shadowKeys.add(top);
  } else if (steps.length === 0 && !isProtoName(top)) {
    op = (st) => {
      st.act[top] = ev(st);
    };
  } else {
    op = (st) => write(st, ev(st));
  }
  noteWrite(sc, top, kind);
  return { op, value: ev, write };
}

function runAll(ops: Op[]): Op {
  switch (ops.length) {
    case 1:
      return ops[0];
    case 2: {
      const [a, b] = ops;
      return (st) => {
        a(st);
        b(st);
      };
    }
    case 3: {
      const [a, b, c] = ops;
      return (st) => {
        a(st);
        b(st);
        c(st);
      };
    }
    case 4: {
      const [a, b, c, d] = ops;
      return (st) => {
        a(st);
        b(st);
        c(st);
        d(st);
      };
    }
    default:
      return (st) => {
        for (let i = 0; i < ops.length; i++) ops[i](st);
      };
  }
}

/** SELECT or DO list → an op that fills `st.act` (which the caller sets to a fresh object). */
export function compileSelectFields(items: readonly SelectItem[], sc: Scope): Op {
  const ops: Op[] = [];
  items.forEach((item, i) => {
    if (item.kind === 'Star') {
      ops.push(starOp(sc));
      sc.payloadKind = 'atom';
      return;
    }
    ops.push(fieldOp(item, i + 1, sc, false).op);
  });
  return runAll(ops);
}

/**
 * FOREACH list → a function that fills `st.act` and returns the collection: the last item's value when it is a
 * list, else [] (EMQX ensure_list). Also returns the item's name (its alias, or `item`).
 */
export function compileForeachFields(
  items: readonly Exclude<SelectItem, { kind: 'Star' }>[],
  sc: Scope,
): { run: (st: EvalState) => unknown[]; itemKey: string } {
  const ops: Op[] = [];
  for (let i = 0; i < items.length - 1; i++) ops.push(fieldOp(items[i], i + 1, sc, true).op);
  const last = items[items.length - 1];
  const { value, write } = fieldOp(last, items.length, sc, false);
  const before = ops.length > 0 ? runAll(ops) : null;
  const run = (st: EvalState): unknown[] => {
    if (before !== null) before(st);
    const coll = value(st);
    write(st, coll);
    return Array.isArray(coll) ? coll : [];
  };
  return { run, itemKey: last.alias !== null ? last.alias.root : 'item' };
}
