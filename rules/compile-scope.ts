/**
 * Name resolution for compiled rules: which value a column, alias or path refers to in each clause, decided at
 * compile time so a lookup at run time is one or two property reads.
 *
 * EMQX 5.8 (emqx_rule_runtime) resolves names differently per clause:
 * - SELECT, FOREACH and DO fields see [Action, Columns]: the fields selected so far first, and when that gives
 *   undefined, the input columns (FOREACH: columns updated by earlier `expr AS name` items; DO: the merged view
 *   below plus the item).
 * - WHERE and INCASE see one merged map, Columns ∪ Selected (∪ {item}): a selected key wins even when undefined.
 * - Paths rooted at `payload` decode the payload JSON. In the merged view they read the selected payload only
 *   when SELECT wrote it through `*` or an un-aliased `payload.x` (EMQX keys those by the atom `payload`; `AS
 *   payload` writes the binary key, which `payload.x` does not see there). This mirrors EMQX exactly, including
 *   `SELECT payload.a FROM t WHERE payload.b = 1` never matching (the selected payload only holds `a`).
 */
import type { SqlWarningCode, SourceRange } from '../grammar/errors.js';
import type { PositionMapper } from '../grammar/positions.js';
import { payloadJson, payloadMember, payloadText, WHOLE, type EvalContext } from './context.js';
import type { RuleClause } from './errors.js';
import { raise } from './errors.js';
import { parseJson } from '../common/json-parse.js';
import { own, isProtoName, walk, INDEX_VAR, KEY, type CStep, type OrgGetter } from './paths.js';
import { binaryText, isBinary, isMap } from './values.js';

/** Mutable state of one evaluation; one instance per compiled rule is reused (evaluation is synchronous). */
export interface EvalState {
  ctx: EvalContext;
  /** The output being built: SELECT's result, FOREACH's selected fields, or one DO output. */
  act: Record<string, unknown>;
  /** The selected fields, seen by WHERE/INCASE/DO through the merged view. */
  sel: Record<string, unknown>;
  /** FOREACH only: columns overridden by earlier `expr AS name` items, or null. */
  shadow: Record<string, unknown> | null;
  /** The current FOREACH item (INCASE and DO). */
  item: unknown;
}

/** A compiled expression. */
export type Ev = (st: EvalState) => unknown;

export interface SqlWarning extends SourceRange {
  readonly code: SqlWarningCode;
  readonly message: string;
}

/** Compile-wide settings and findings. */
export interface CompileEnv {
  readonly pos: PositionMapper;
  /** When set, the `metadata` column is `{...ctx.metadata, rule_id}` as EMQX adds it per rule. */
  readonly ruleId: string | undefined;
  readonly warnings: SqlWarning[];
}

/** 'atom': payload written by `*` or an un-aliased payload path; 'binary': by `payload` / `AS payload...`. */
export type PayloadKind = 'none' | 'atom' | 'binary';

export interface ScopeInit {
  readonly clause: RuleClause;
  readonly env: CompileEnv;
  /** 'action': a field list building `st.act`; 'merged': a condition over Columns ∪ Selected (∪ item). */
  readonly mode: 'action' | 'merged';
  /** For action mode: what stands behind the fields built so far. */
  readonly fallback: 'columns' | 'shadow' | 'merged';
  /** Keys SELECT/FOREACH may have written into `st.sel` (merged view). */
  readonly selKeys?: ReadonlySet<string>;
  readonly selPayloadAtom?: boolean;
  /** The FOREACH item's name in INCASE/DO, else null. */
  readonly itemKey?: string | null;
}

export class Scope {
  readonly clause: RuleClause;
  readonly env: CompileEnv;
  readonly mode: 'action' | 'merged';
  readonly fallback: 'columns' | 'shadow' | 'merged';
  /** Top-level keys written into `st.act` by earlier fields (grows as fields compile). */
  readonly written = new Set<string>();
  /** FOREACH: columns shadowed by earlier `expr AS name` items (grows as fields compile). */
  readonly shadowKeys = new Set<string>();
  readonly selKeys: ReadonlySet<string>;
  readonly selPayloadAtom: boolean;
  readonly itemKey: string | null;
  payloadKind: PayloadKind = 'none';

  constructor(init: ScopeInit) {
    this.clause = init.clause;
    this.env = init.env;
    this.mode = init.mode;
    this.fallback = init.fallback;
    this.selKeys = init.selKeys ?? new Set();
    this.selPayloadAtom = init.selPayloadAtom ?? false;
    this.itemKey = init.itemKey ?? null;
  }

  /** IoT shortcut functions (topic(), qos()...) work only where EMQX evaluates against a single map. */
  get iot(): boolean {
    return this.mode === 'merged';
  }

  warn(code: SqlWarningCode, range: SourceRange, message: string): void {
    this.env.warnings.push({ ...range, code, message });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Column values

/** The payload column: a Buffer is read as its UTF-8 text (cached on the context). */
export function payloadColumn(ctx: EvalContext): unknown {
  const p = ctx.payload;
  return typeof p === 'string' || !(p instanceof Uint8Array) ? p : payloadText(ctx);
}

function metadataFor(ctx: EvalContext, ruleId: string): Record<string, unknown> {
  const m = ctx.metadata;
  return isMap(m) ? { ...m, rule_id: ruleId } : { rule_id: ruleId };
}

/** A context column by name (dynamic; for index variables and `*`). */
export function columnValue(env: CompileEnv, ctx: EvalContext, name: string): unknown {
  if (name === 'payload') return payloadColumn(ctx);
  if (name === 'metadata' && env.ruleId !== undefined) return metadataFor(ctx, env.ruleId);
  return own(ctx, name);
}

/** Compiles a read of a context column. */
export function compileColumn(env: CompileEnv, name: string): Ev {
  if (name === 'payload') return (st) => payloadColumn(st.ctx);
  if (name === 'metadata' && env.ruleId !== undefined) {
    const id = env.ruleId;
    return (st) => metadataFor(st.ctx, id);
  }
  if (isProtoName(name)) return (st) => own(st.ctx, name);
  return (st) => st.ctx[name];
}

/** The merged view (Columns ∪ Selected ∪ item), dynamic by name. */
export function mergedValue(sc: Scope, st: EvalState, name: string): unknown {
  if (sc.itemKey !== null && name === sc.itemKey) return st.item;
  if (Object.hasOwn(st.sel, name)) return st.sel[name];
  return columnValue(sc.env, st.ctx, name);
}

function compileMerged(sc: Scope, name: string): Ev {
  if (sc.itemKey !== null && name === sc.itemKey) return (st) => st.item;
  const col = compileColumn(sc.env, name);
  if (!sc.selKeys.has(name)) return col;
  return (st) => (Object.hasOwn(st.sel, name) ? st.sel[name] : col(st));
}

/** What stands behind the action map: the columns (FOREACH: shadowed), or the merged view for DO. */
function compileFallback(sc: Scope, name: string): Ev {
  if (sc.fallback === 'merged') return compileMerged(sc, name);
  const col = compileColumn(sc.env, name);
  if (sc.fallback === 'shadow' && sc.shadowKeys.has(name)) {
    return (st) => (st.shadow !== null && Object.hasOwn(st.shadow, name) ? st.shadow[name] : col(st));
  }
  return col;
}

/** Compiles a bare name: an alias selected earlier, else a column (per the clause rules in the file comment). */
export function compileName(sc: Scope, name: string): Ev {
  if (sc.mode === 'merged') return compileMerged(sc, name);
  const fb = compileFallback(sc, name);
  if (!sc.written.has(name)) return fb;
  const safe = !isProtoName(name);
  return (st) => {
    const v = safe ? st.act[name] : own(st.act, name);
    return v !== undefined ? v : fb(st);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

function orgGetters(sc: Scope): { act: OrgGetter<EvalState>; base: OrgGetter<EvalState> } {
  const env = sc.env;
  const act: OrgGetter<EvalState> = (st, name) => own(st.act, name);
  let base: OrgGetter<EvalState>;
  if (sc.mode === 'merged' || sc.fallback === 'merged') {
    base = (st, name) => mergedValue(sc, st, name);
  } else {
    base = (st, name) => (st.shadow !== null && Object.hasOwn(st.shadow, name) ? st.shadow[name] : columnValue(env, st.ctx, name));
  }
  return { act, base };
}

/** The payload value a payload path decodes: strings are decoded (the context's payload once per context). */
export function decodePayloadValue(st: EvalState, p: unknown): unknown {
  if (!isBinary(p)) return p;
  const ctx = st.ctx;
  if (p === ctx.payload || p === payloadText(ctx)) return payloadJson(ctx);
  try {
    return parseJson(binaryText(p), true);
  } catch (e) {
    return raise('decode_json_failed', `payload is not valid JSON (${(e as Error).message})`, e);
  }
}

/** Compiles `root.steps...`. */
export function compilePath(sc: Scope, root: string, steps: readonly CStep[]): Ev {
  if (steps.length === 0) return compileName(sc, root);
  if (root === 'payload') return compilePayloadPath(sc, steps);
  const { act, base } = orgGetters(sc);
  if (sc.mode === 'merged') {
    const get = compileMerged(sc, root);
    return (st) => walk(get(st), steps, st, base, undefined);
  }
  const fb = compileFallback(sc, root);
  if (!sc.written.has(root)) return (st) => walk(fb(st), steps, st, base, undefined);
  const safe = !isProtoName(root);
  return (st) => {
    const a = safe ? st.act[root] : own(st.act, root);
    if (a !== undefined) {
      const v = walk(a, steps, st, act, undefined);
      if (v !== undefined) return v;
    }
    return walk(fb(st), steps, st, base, undefined);
  };
}

function compilePayloadPath(sc: Scope, steps: readonly CStep[]): Ev {
  const whole: Ev = (st) => {
    const root = payloadJson(st.ctx);
    return walk(root, steps, st, null, root);
  };
  // Common case first: the seed rule's `payload.temp` reads one member of a JSON object payload, which is
  // decoded on its own (the rest of the payload is only validated). An index variable resolves against the
  // whole payload, so paths with one take the whole decode.
  const first = steps[0];
  const fromContext: Ev =
    first.k === KEY && first.safe && !steps.some((s) => s.k === INDEX_VAR)
      ? ((key: string, rest: readonly CStep[]): Ev => {
          if (rest.length === 0) {
            return (st) => {
              const v = payloadMember(st.ctx, key);
              return v === WHOLE ? whole(st) : v;
            };
          }
          return (st) => {
            const v = payloadMember(st.ctx, key);
            return v === WHOLE ? whole(st) : walk(v, rest, st, null, undefined);
          };
        })(first.key, steps.slice(1))
      : whole;

  let base: Ev;
  if (sc.mode === 'merged' || sc.fallback === 'merged') {
    // One map: the atom-keyed `payload` (columns, or selected via `*` / un-aliased payload paths).
    if (sc.selKeys.has('payload')) {
      const atom = sc.selPayloadAtom;
      base = (st) => {
        const hasSel = Object.hasOwn(st.sel, 'payload');
        if (hasSel && (atom || st.ctx.payload === undefined)) {
          const root = decodePayloadValue(st, st.sel.payload);
          return walk(root, steps, st, null, root);
        }
        return fromContext(st);
      };
    } else {
      base = fromContext;
    }
  } else if (sc.fallback === 'shadow' && sc.shadowKeys.has('payload')) {
    base = (st) => {
      if (st.shadow !== null && Object.hasOwn(st.shadow, 'payload')) {
        const root = decodePayloadValue(st, st.shadow.payload);
        return walk(root, steps, st, null, root);
      }
      return fromContext(st);
    };
  } else {
    base = fromContext;
  }
  if (sc.mode === 'merged' || !sc.written.has('payload')) return base;
  return (st) => {
    const p = own(st.act, 'payload');
    if (p !== undefined) {
      const root = decodePayloadValue(st, p);
      const v = walk(root, steps, st, null, root);
      if (v !== undefined) return v;
    }
    return base(st);
  };
}
