/** Helpers for the rule compiler tests. */
import { SqlError } from '../../grammar/errors.js';
import { compileRule, type CompileOptions } from '../../rules/compile.js';
import { createEventContext, type EvalContext } from '../../rules/context.js';
import { RuleEvalError } from '../../rules/errors.js';

/** A message.publish context like EMQX's rule_test defaults, with fixed values. */
export function messageColumns(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'message.publish',
    id: '0006155E9F0F1E3AF4420100035D0000',
    clientid: 'c_emqx',
    username: 'u_emqx',
    payload: '{"msg": "hello"}',
    peerhost: '192.168.0.10',
    topic: 't/a',
    qos: 1,
    flags: { retain: false, dup: false },
    pub_props: { 'User-Property': { foo: 'bar' } },
    publish_received_at: 1700000000000,
    timestamp: 1700000000001,
    node: 'rulemq@127.0.0.1',
    ...overrides,
  };
}

export function ctxOf(overrides: Record<string, unknown> = {}): EvalContext {
  return createEventContext(messageColumns(overrides));
}

/** Compiles and evaluates `sql` on a message context with `overrides`. */
export function run(sql: string, overrides: Record<string, unknown> = {}, opts?: CompileOptions): unknown {
  return compileRule(sql, opts).evaluate(ctxOf(overrides));
}

/** The RuleEvalError that evaluating throws. */
export function runError(sql: string, overrides: Record<string, unknown> = {}): RuleEvalError {
  try {
    run(sql, overrides);
  } catch (e) {
    if (e instanceof RuleEvalError) return e;
    throw e;
  }
  throw new Error(`expected a RuleEvalError for: ${sql}`);
}

/** The SqlError that compiling throws. */
export function compileError(sql: string, opts?: CompileOptions): SqlError {
  try {
    compileRule(sql, opts);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected a SqlError for: ${sql}`);
}

/** A table case: `expected` is the output, or `{ error: clause }` for a RuleEvalError in that clause. */
export interface Case {
  sql: string;
  context?: Record<string, unknown>;
  expected: unknown;
  title?: string;
}
