/**
 * Errors raised by the built-in rule SQL functions.
 *
 * EMQX raises (function_clause, badarg, badarith, a throw) when a function gets arguments it cannot handle; the rule
 * engine counts that as `failed.exception` and the rule-test API answers 400. We throw a typed error instead, with a
 * stable `code` and the SQL function's name, so the engine and the tester can report it.
 */
import { CodedError } from '../../common/coded-error.js';

/** Every code a rule function can throw. Each one is documented in docs/functions.md (a test checks that). */
export const FUNCTION_ERROR_CODES = {
  FUNC_BAD_ARG:
    'An argument has the wrong type or value: what EMQX reports as function_clause, badarg, badarith or a throw. ' +
    'The rule run fails (`failed.exception`); the rule-test API answers 400.',
  FUNC_UNSUPPORTED:
    'The feature exists in EMQX but not in rulemq: a regular-expression feature the linear-time engine (RE2) lacks ' +
    '(back references, lookahead/lookbehind, recursion, conditionals, \\K, \\G, inline option changes), a hash ' +
    'algorithm missing from the OpenSSL build, or `jq` when the jq-web package is not installed. A literal pattern ' +
    'that cannot run fails the rule at load (SQL_BAD_ARGUMENT, with its position).',
  FUNC_JQ_ERROR: 'A jq program failed to compile, raised an error, got invalid JSON input or timed out.',
  FUNC_DUPLICATE: 'Two category files define the same function name; thrown when the registry module loads.',
} as const;

export type FunctionErrorCode = keyof typeof FUNCTION_ERROR_CODES;

export class RuleFunctionError extends CodedError<FunctionErrorCode> {
  /** The SQL function name, e.g. `substr`. */
  readonly functionName: string;

  constructor(code: FunctionErrorCode, functionName: string, message: string, options?: { cause?: unknown }) {
    super(code, `${functionName}: ${message}`, options);
    this.functionName = functionName;
  }
}

/** Builds the error for a bad argument; callers `throw badArg(...)` so control flow stays visible. */
export function badArg(fn: string, message: string, cause?: unknown): RuleFunctionError {
  return new RuleFunctionError('FUNC_BAD_ARG', fn, message, cause === undefined ? undefined : { cause });
}

/** Short, bounded description of a value for error messages (never dumps a whole payload). */
export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `string '${v.slice(0, 37)}...'` : `string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'bigint') return `number ${v}`;
  if (typeof v === 'symbol') return `atom ${v.description ?? ''}`;
  if (v instanceof Number) return `float ${v.valueOf()}.0`;
  if (Buffer.isBuffer(v)) return `binary of ${v.length} bytes`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === 'object') return 'map';
  return typeof v;
}
