/**
 * Rule SQL → CompiledRule. Parsing, name resolution, function lookup and arity checks happen once, here; the
 * result evaluates a context with closures only (no AST walking per message).
 *
 * ```ts
 * const rule = compileRule('SELECT payload.temp AS temp FROM "t/#" WHERE payload.temp > 20');
 * rule.evaluate(createMessageContext({ topic: 't/1', payload: '{"temp":21}' })); // → { temp: 21 }
 * ```
 *
 * Evaluation order and clause semantics follow emqx_rule_runtime (EMQX 5.8): SELECT fields left to right, then
 * WHERE over columns ∪ selected; FOREACH: fields, WHERE once, then per item INCASE and DO. Any exception becomes
 * a RuleEvalError tagged with the clause.
 *
 * Deliberate differences from EMQX 5.8 (everything else is meant to match it, quirks included):
 * - fails at load, with a position, what EMQX only fails on when a message arrives: unknown functions and
 *   modules, wrong arity, unknown `$events/...` topics (incl. `$events/message_publish`), invalid topic filters,
 *   `*` in FOREACH, an un-aliased `-x` field. Constructs that always raise when reached (NOT IN, `~=`, a bare
 *   field as a condition...) still load, raise at run time like EMQX, and are listed in `warnings`;
 * - numbers are JS doubles: 1 and 1.0 are the same (`1 IN (1.0)` is true, `CASE 1 WHEN 1.0` matches, `div` accepts
 *   2.0), integers beyond 2^53 lose precision, and a result beyond ±1.8e308 raises badarith;
 * - the payload JSON cache is per payload text: `SELECT 'x' AS payload, payload.a` decodes 'x' (EMQX may reuse the
 *   message's decoded payload, which it cached per process);
 * - event columns hold strings where EMQX has atoms (`reason`, `reason_code`): `reason IN ('normal')` is true here.
 */
import { parseSql, PositionMapper, tooDeep, type ParseOptions, type Statement } from '../grammar/index.js';
import { compileCond } from './compile-expr.js';
import { Scope, type CompileEnv, type EvalState, type Ev, type SqlWarning } from './compile-scope.js';
import { compileForeachFields, compileSelectFields, mergedObject } from './compile-select.js';
import type { EvalContext } from './context.js';
import { RuleEvalError, SqlRuntimeError, type RuleClause } from './errors.js';
import { eventByTopic, EVENTS, isEventTopic } from './events/index.js';
import { isValidTopicFilter, topicMatches } from './topic-match.js';

export type { SqlWarning } from './compile-scope.js';

export interface CompileOptions extends ParseOptions {
  /**
   * The rule's id. When set, the `metadata` column is `{ ...ctx.metadata, rule_id }` (EMQX adds it per rule) and
   * `SELECT *` includes it. When not set, `metadata` is whatever the context holds.
   */
  readonly ruleId?: string;
}

export interface CompiledRule {
  readonly sql: string;
  /** FROM entries, quotes stripped, e.g. 'temp_hum/emqx', '$events/client_connected'. */
  readonly from: readonly string[];
  /** Event types the rule listens to: 'message_publish' for topic filters, else the `$events/...` event types. */
  readonly eventTypes: readonly string[];
  readonly isForeach: boolean;
  /**
   * null when WHERE rejects; an object for SELECT; an array (maybe empty) for FOREACH. Throws RuleEvalError (with
   * .clause: 'SELECT'|'WHERE'|'FOREACH'|'DO'|'INCASE' and .cause) on any evaluation exception. Missing fields are
   * kept as keys with the value undefined (EMQX prints "undefined").
   */
  evaluate(ctx: EvalContext): Record<string, unknown> | Record<string, unknown>[] | null;
  /** True if any path goes into payload.x (so the runtime knows it needs JSON). */
  /** Constructs that load but always raise (or are always undefined) in EMQX 5.8 when evaluated. */
  readonly warnings: readonly SqlWarning[];
}

/**
 * An event FROM with MQTT wildcards (`$events/#`, `$events/+`; `+` takes a whole level, as in any filter) stands
 * for every event whose topic it matches. EMQX does the same: its rule tester matches the event topic against FROM
 * with emqx_topic:match_any (emqx_rule_sqltester:test/1) and its runtime looks rules up in a topic index
 * (emqx_rule_events:apply_event/3 -> emqx_rule_engine:get_rules_for_topic/1). message_publish is not among them.
 */
function eventTypesMatching(filter: string): string[] {
  return EVENTS.filter((e) => e.topic !== null && topicMatches(filter, e.topic)).map((e) => e.eventType);
}

function checkFrom(ast: Statement, pos: PositionMapper): string[] {
  const types: string[] = [];
  for (const f of ast.from) {
    let matched: string[];
    if (isEventTopic(f.topic) && (f.topic.includes('#') || f.topic.includes('+'))) {
      if (!isValidTopicFilter(f.topic)) {
        throw pos.error('SQL_BAD_TOPIC_FILTER', f.range, `'${f.topic}' is not a valid MQTT topic filter`, { found: f.topic });
      }
      matched = eventTypesMatching(f.topic);
      if (matched.length === 0) {
        throw pos.error('SQL_BAD_EVENT_TOPIC', f.range, `'${f.topic}' matches no event topic`, { found: f.topic });
      }
    } else if (isEventTopic(f.topic)) {
      const ev = eventByTopic(f.topic);
      if (ev === undefined) {
        const hint = f.topic === '$events/message_publish' ? ' (publish rules use a topic filter: FROM "t/#")' : '';
        throw pos.error('SQL_BAD_EVENT_TOPIC', f.range, `unknown event topic '${f.topic}'${hint}`, { found: f.topic });
      }
      matched = [ev.eventType];
    } else {
      if (!isValidTopicFilter(f.topic)) {
        throw pos.error(
          'SQL_BAD_TOPIC_FILTER',
          f.range,
          `'${f.topic}' is not a valid MQTT topic filter ('#' only as the last level, '+' only as a whole level)`,
          { found: f.topic },
        );
      }
      matched = ['message_publish'];
    }
    for (const type of matched) if (!types.includes(type)) types.push(type);
  }
  return types;
}

function fail(clause: RuleClause, err: unknown): never {
  throw new RuleEvalError(clause, err);
}

function nonBoolean(clause: RuleClause, v: unknown): never {
  const what = clause === 'WHERE' ? 'WHERE' : 'INCASE';
  throw new RuleEvalError(clause, new SqlRuntimeError('case_clause', `${what} must be true or false, got ${typeof v === 'string' ? `'${v}'` : String(v)}`));
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function newState(): EvalState {
  return { ctx: EMPTY, act: EMPTY, sel: EMPTY, shadow: null, item: undefined };
}

/** Compiles EMQX rule SQL; throws SqlError (with the file position given by `opts`) when it cannot be loaded. */
export function compileRule(sql: string, opts: CompileOptions = {}): CompiledRule {
  const ast = parseSql(sql, opts);
  const pos = new PositionMapper(sql, opts);
  const eventTypes = checkFrom(ast, pos);
  const env: CompileEnv = { pos, ruleId: opts.ruleId, warnings: [] };
  let evaluate: CompiledRule['evaluate'];
  try {
    evaluate = ast.kind === 'Select' ? compileSelect(ast, env) : compileForeach(ast, env);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(pos, sql);
    throw e;
  }
  return Object.freeze({
    sql,
    from: Object.freeze(ast.from.map((f) => f.topic)),
    eventTypes: Object.freeze(eventTypes),
    isForeach: ast.kind === 'Foreach',
    evaluate,
    warnings: Object.freeze(env.warnings.slice()),
    ast,
  });
}

function compileWhere(where: Statement['where'], sc: Scope): Ev | null {
  return where === null ? null : compileCond(where, sc);
}

/**
 * A WHERE or INCASE condition: true passes, false filters the message (or item) out; anything else, or a throw, is
 * the clause's error (EMQX raises on a non-boolean condition).
 */
function passes(cond: Ev, st: EvalState, clause: 'WHERE' | 'INCASE'): boolean {
  let r: unknown;
  try {
    r = cond(st);
  } catch (e) {
    fail(clause, e);
  }
  if (r === true) return true;
  if (r === false) return false;
  return nonBoolean(clause, r);
}

/** Runs one clause's closure, tagging whatever it throws with the clause. */
function inClause<T>(clause: RuleClause, f: (st: EvalState) => T, st: EvalState): T {
  try {
    return f(st);
  } catch (e) {
    return fail(clause, e);
  }
}

/**
 * Wraps a rule body with its evaluation state: one state object per rule is reused; a re-entrant call (a function
 * evaluating rules) gets its own. The state is cleared after every run so it holds no message.
 */
function withState<T>(body: (st: EvalState) => T): (ctx: EvalContext) => T {
  const shared = newState();
  let busy = false;
  return (ctx: EvalContext) => {
    const st = busy ? newState() : shared;
    busy = true;
    try {
      st.ctx = ctx;
      return body(st);
    } finally {
      st.ctx = EMPTY;
      st.act = EMPTY;
      st.sel = EMPTY;
      st.shadow = null;
      st.item = undefined;
      if (st === shared) busy = false;
    }
  };
}

function compileSelect(ast: Extract<Statement, { kind: 'Select' }>, env: CompileEnv): CompiledRule['evaluate'] {
  const selectScope = new Scope({ clause: 'SELECT', env, mode: 'action', fallback: 'columns' });
  const fields = compileSelectFields(ast.fields, selectScope);
  const whereScope = new Scope({
    clause: 'WHERE',
    env,
    mode: 'merged',
    fallback: 'merged',
    selKeys: selectScope.written,
    selPayloadAtom: selectScope.payloadKind === 'atom',
  });
  const where = compileWhere(ast.where, whereScope);

  return withState((st) => {
    const out: Record<string, unknown> = {};
    st.act = out;
    inClause('SELECT', fields, st);
    if (where !== null) {
      st.sel = out;
      if (!passes(where, st, 'WHERE')) return null;
    }
    return out;
  });
}

function compileForeach(ast: Extract<Statement, { kind: 'Foreach' }>, env: CompileEnv): CompiledRule['evaluate'] {
  const fieldScope = new Scope({ clause: 'FOREACH', env, mode: 'action', fallback: 'shadow' });
  const { run: fields, itemKey } = compileForeachFields(ast.fields, fieldScope);
  const selKeys = fieldScope.written;
  const selPayloadAtom = fieldScope.payloadKind === 'atom';
  const where = compileWhere(ast.where, new Scope({ clause: 'WHERE', env, mode: 'merged', fallback: 'merged', selKeys, selPayloadAtom }));
  const incase =
    ast.incase === null
      ? null
      : compileCond(ast.incase, new Scope({ clause: 'INCASE', env, mode: 'merged', fallback: 'merged', selKeys, selPayloadAtom, itemKey }));
  const doFields =
    ast.doFields === null
      ? null
      : compileSelectFields(ast.doFields, new Scope({ clause: 'DO', env, mode: 'action', fallback: 'merged', selKeys, selPayloadAtom, itemKey }));

  return withState((st) => {
    const selected: Record<string, unknown> = {};
    st.act = selected;
    st.shadow = null;
    const collection = inClause('FOREACH', fields, st);
    st.sel = selected;
    st.shadow = null;
    if (where !== null && !passes(where, st, 'WHERE')) return null;
    const outputs: Record<string, unknown>[] = [];
    for (let i = 0; i < collection.length; i++) {
      st.item = collection[i];
      if (incase !== null && !passes(incase, st, 'INCASE')) continue;
      if (doFields === null) {
        outputs.push(mergedObject(env, st, itemKey));
      } else {
        const out: Record<string, unknown> = {};
        st.act = out;
        inClause('DO', doFields, st);
        outputs.push(out);
      }
    }
    return outputs;
  });
}
