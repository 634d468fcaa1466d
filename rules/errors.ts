/**
 * Errors of rule evaluation. A compiled rule never returns a partial result: any exception while evaluating a
 * clause becomes a RuleEvalError tagged with the clause (EMQX counts it as `failed.exception`; rule_test answers
 * 400). Load-time problems are SqlError (grammar/errors.ts).
 */
import { CodedError } from '../common/coded-error.js';

/** Every code used by the rule runtime's errors. A test checks that each code used in rules/ is listed here. */
export const RULE_ERROR_CODES = {
  RULE_EVAL_ERROR: 'A clause of a rule raised while evaluating one message (see RuleEvalError.clause and .cause).',
  RULE_SQL_RUNTIME: "The underlying failure inside an expression (bad JSON payload, bad arithmetic, a function's bad argument...).",
} as const;

export type RuleErrorCode = keyof typeof RULE_ERROR_CODES;

/** The clause that was being evaluated. */
export type RuleClause = 'SELECT' | 'WHERE' | 'FOREACH' | 'DO' | 'INCASE';

/** EMQX's name for a failure in each clause (used in rule_test messages, e.g. `select_and_transform_error`). */
export const EMQX_CLAUSE_ERROR: Record<RuleClause, string> = {
  SELECT: 'select_and_transform_error',
  WHERE: 'match_conditions_error',
  FOREACH: 'select_and_collect_error',
  DO: 'doeach_error',
  INCASE: 'match_incase_error',
};

/**
 * A failure inside an expression. `reason` is EMQX's short reason where there is one (decode_json_failed, badarith,
 * badarg, function_clause, range_get, invalid_index, bad_sql_function_argument, case_clause...).
 */
export class SqlRuntimeError extends CodedError<RuleErrorCode> {
  constructor(
    readonly reason: string,
    message: string,
    cause?: unknown,
  ) {
    super('RULE_SQL_RUNTIME', message, cause === undefined ? undefined : { cause });
  }
}

/** Thrown by CompiledRule.evaluate: which clause failed, and why (`cause`). */
export class RuleEvalError extends CodedError<RuleErrorCode> {
  override readonly cause: unknown;

  constructor(
    readonly clause: RuleClause,
    cause: unknown,
  ) {
    super('RULE_EVAL_ERROR', `${clause} clause failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }

  /** EMQX's short reason: the SqlRuntimeError reason, or `exception` for anything else. */
  get reason(): string {
    return this.cause instanceof SqlRuntimeError ? this.cause.reason : 'exception';
  }
}

export function raise(reason: string, message: string, cause?: unknown): never {
  throw new SqlRuntimeError(reason, message, cause);
}
