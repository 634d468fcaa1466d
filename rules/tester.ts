/**
 * `POST /api/v5/rule_test` (EMQX 5.8 emqx_rule_sqltester + its request schema), as a pure function the HTTP route
 * and the CLI call: `testRule(body)` → `{ status, body }`.
 *
 * - 200: the SELECT output object, or the FOREACH output array (possibly []).
 * - 412 `{"code":"NOT_MATCH","message":"SQL Not Match","reason":...}`: no FROM entry matches the event, or WHERE
 *   is false; `reason` (ours, not EMQX's) says which.
 * - 400 `{"code":"BAD_REQUEST","message":...}`: a bad request body or context, SQL that does not parse or load
 *   (the message holds line:column), or any exception while evaluating.
 *
 * Leniency over EMQX (breaks no EMQX client): `event_type` defaults to message_publish; besides the fields EMQX's
 * schema allows, every known column of the event may be given (e.g. `timestamp`, `flags`, `pub_props`, `node`), so
 * tests can be deterministic; a JSON object/array `payload` is accepted and encoded to a JSON string.
 *
 * Output values are rendered as EMQX's JSON encoder does: undefined → "undefined", bytes → their UTF-8 text.
 */
import { randomBytes } from 'node:crypto';
import { SqlError } from '../grammar/errors.js';
import { compileRule, type CompiledRule } from './compile.js';
import { createEventContext } from './context.js';
import { EMQX_CLAUSE_ERROR, RuleEvalError } from './errors.js';
import { COLUMN_TYPES, eventByType, EVENTS, type EventDescriptor } from './events/index.js';
import { topicMatches } from './topic-match.js';
import { ruleJson } from '../common/numbers.js';
import { isMap } from './values.js';

export interface RuleTestResponse {
  readonly status: 200 | 400 | 412;
  readonly body: unknown;
}

/** EMQX's 412 body, plus `reason`: which clause rejected the event (EMQX says only "SQL Not Match"). */
function notMatch(reason: string): RuleTestResponse {
  return { status: 412, body: { code: 'NOT_MATCH', message: 'SQL Not Match', reason } };
}

function fromMismatch(from: readonly string[], topic: string, eventTopic: string | null | undefined): string {
  const filters = from.map((f) => JSON.stringify(f)).join(', ');
  if (eventTopic) return `FROM does not match: the event ${eventTopic} matches none of FROM ${filters}`;
  if (topic === '') return `FROM does not match: the context has no topic (FROM ${filters})`;
  return `FROM does not match: the context's topic '${topic}' matches none of FROM ${filters}`;
}

function badRequest(message: string): RuleTestResponse {
  return { status: 400, body: { code: 'BAD_REQUEST', message } };
}

/**
 * A value as EMQX's JSON encoder renders it: undefined → "undefined", bytes → UTF-8 text, recursively. Numbers keep
 * their kind (a boxed float such as 2.0 and a big integer stay as they are; renderRuleTestJson prints them).
 */
export function toRuleTestValue(v: unknown): unknown {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'symbol') return v.description; // an atom prints its name
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : String(v);
  if (v instanceof Number) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  if (Array.isArray(v)) return v.map(toRuleTestValue);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, { value: toRuleTestValue((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return 'undefined';
}

/** JSON text of a rule output as rule_test returns it (see toRuleTestValue): floats print as floats (2.0). */
export function renderRuleTestJson(value: unknown): string {
  return ruleJson(toRuleTestValue(value));
}

function typeError(field: string, expected: string, got: unknown): string {
  return `context.${field}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`;
}

/** Checks the context against the event (EMQX's per-event_type schema, widened as the file comment says). */
function checkContext(ev: EventDescriptor, ctx: Record<string, unknown>): string | Record<string, unknown> {
  const allowed = new Set<string>([...ev.allowedContextFields, ...ev.columns, 'event_type', 'event']);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (!allowed.has(k)) {
      return `context: unknown field '${k}' for event_type ${ev.eventType} (accepted: ${[...new Set([...ev.allowedContextFields, ...ev.columns])].join(', ')})`;
    }
    if (k === 'event_type') continue;
    if (k === 'event') {
      if (v !== ev.eventName) return typeError('event', `"${ev.eventName}"`, v);
      continue;
    }
    if (k === 'payload' && (Array.isArray(v) || isMap(v))) {
      out[k] = JSON.stringify(v);
      continue;
    }
    switch (COLUMN_TYPES[k] ?? 'any') {
      case 'string':
        if (typeof v !== 'string') return typeError(k, 'a string', v);
        break;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) return typeError(k, 'an integer', v);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return typeError(k, 'true or false', v);
        break;
      case 'qos':
        if (v !== 0 && v !== 1 && v !== 2) return typeError(k, 'a QoS (0, 1 or 2)', v);
        break;
      case 'map':
        if (!isMap(v)) return typeError(k, 'an object', v);
        break;
      case 'any':
        break;
    }
    out[k] = v;
  }
  return out;
}

function sqlErrorMessage(e: SqlError): string {
  return `${e.code} at line ${e.line}, column ${e.column}: ${e.detail}`;
}

function evalErrorMessage(e: RuleEvalError): string {
  const detail = e.cause instanceof Error ? e.cause.message : String(e.cause);
  return `${JSON.stringify({ [EMQX_CLAUSE_ERROR[e.clause]]: e.reason })} ${detail}`;
}

/**
 * Runs one rule_test request. `body` is the decoded JSON request body: `{ sql, context? }`. Never throws for bad
 * input; unexpected internal errors are rethrown.
 */
export function testRule(body: unknown): RuleTestResponse {
  try {
    return runTest(body);
  } catch (e) {
    // JSON.stringify, JSON.parse's callers and our own recursive walks run out of stack on absurd nesting: that is
    // the request's fault, not the server's.
    if (e instanceof RangeError) return badRequest(`the request or the rule's output is nested too deeply to process (${e.message})`);
    throw e;
  }
}

function runTest(body: unknown): RuleTestResponse {
  if (!isMap(body)) return badRequest('the request body must be a JSON object with "sql" and "context"');
  for (const k of Object.keys(body)) {
    if (k !== 'sql' && k !== 'context') return badRequest(`unknown field '${k}' (expected "sql" and "context")`);
  }
  const sql = body.sql;
  if (typeof sql !== 'string') return badRequest('"sql" is required and must be a string');
  const rawCtx = body.context ?? {};
  if (!isMap(rawCtx)) return badRequest('"context" must be a JSON object');
  const eventType = rawCtx.event_type ?? 'message_publish';
  const ev = typeof eventType === 'string' ? eventByType(eventType) : undefined;
  if (ev === undefined) {
    return badRequest(`context.event_type: unknown event type ${JSON.stringify(eventType)} (known: ${EVENTS.map((e) => e.eventType).join(', ')})`);
  }
  const checked = checkContext(ev, rawCtx);
  if (typeof checked === 'string') return badRequest(checked);

  let rule: CompiledRule;
  try {
    rule = compileRule(sql);
  } catch (e) {
    if (e instanceof SqlError) return badRequest(sqlErrorMessage(e));
    throw e;
  }

  // EMQX matches the context's own topic (before defaults) for message_publish, else the event's topic.
  const inTopic = ev.topic ?? (typeof checked.topic === 'string' ? checked.topic : '');
  if (!rule.from.some((f) => topicMatches(f, inTopic))) return notMatch(fromMismatch(rule.from, inTopic, ev.topic));

  const ruleId = `sql_tester:${randomBytes(8).toString('hex')}`;
  const ctx = createEventContext({
    ...ev.defaults(),
    ...checked,
    event: ev.eventName,
    event_type: ev.eventType,
    metadata: { rule_id: ruleId },
  });
  let out: Record<string, unknown> | Record<string, unknown>[] | null;
  try {
    out = rule.evaluate(ctx);
  } catch (e) {
    if (e instanceof RuleEvalError) return badRequest(evalErrorMessage(e));
    throw e;
  }
  if (out === null) return notMatch('WHERE is false for this context');
  const value = toRuleTestValue(out);
  renderRuleTestJson(value); // fails here (RangeError → 400) rather than in the caller when the output is too deep
  return { status: 200, body: value };
}
