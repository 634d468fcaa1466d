/**
 * Expressions and conditions → closures. Everything is resolved here, once: names, paths, functions (looked up and
 * arity-checked at load time), operators. At run time a closure only evaluates.
 *
 * Values follow emqx_rule_runtime:eval/2, conditions match_conditions/2: a condition returns the raw value of its
 * last test (AND/OR are Erlang andalso/orelse: a non-boolean left side raises, the right side is returned as is),
 * and the consumer decides — WHERE/INCASE raise on a non-boolean, CASE WHEN treats it as false.
 */
import type { CallExpr, CaseExpr, Expr, NumberLiteral } from '../grammar/ast.js';
import { float, integer, type RuleNumber } from '../common/numbers.js';
import { lookupFunction } from './functions/index.js';
import { checkPatternLiteral } from './functions/regex.js';
import { compileIot, IOT_FUNCTIONS } from './compile-iot.js';
import { compilePath, type Ev, type Scope } from './compile-scope.js';
import { raise, SqlRuntimeError } from './errors.js';
import { compileSteps } from './paths.js';
import { add, compareValues, describe, fdiv, idiv, mul, neg, rangeGet, rangeList, rem, sub, termEqual, type CompareOp } from './values.js';

/** Function-provider modules EMQX accepts in `module.func(...)` (emqx_rule_funcs*; only this one exists). */
const FUNC_MODULES = new Set(['emqx_rule_funcs']);

function constant(v: unknown): Ev {
  return () => v;
}

/** A construct EMQX cannot evaluate here: compiles to a closure that raises, and a load-time warning. */
function alwaysRaises(sc: Scope, e: Expr, reason: string, message: string): Ev {
  sc.warn('SQL_WARN_ALWAYS_RAISES', e.range, message);
  return () => raise(reason, message);
}

/** Compiles an expression evaluated as a value (SELECT/DO fields, operands, arguments, THEN/ELSE...). */
export function compileValue(e: Expr, sc: Scope): Ev {
  switch (e.kind) {
    case 'Number':
      return constant(numberLiteral(e));
    case 'String':
    case 'Bool':
      return constant(e.value);
    case 'Path':
      return compilePath(sc, e.root, compileSteps(e.steps));
    case 'Range': {
      const { from, to } = e;
      return () => rangeList(from, to);
    }
    case 'Slice': {
      const target = compileValue(e.target, sc);
      const { from, to } = e;
      return (st) => rangeGet(from, to, target(st));
    }
    case 'Array': {
      const items = e.items.map((i) => compileValue(i, sc));
      return (st) => {
        const out = new Array<unknown>(items.length);
        for (let i = 0; i < items.length; i++) out[i] = items[i](st);
        return out;
      };
    }
    case 'Call':
      return compileCall(e, sc);
    case 'Unary': {
      const operand = compileValue(e.operand, sc);
      // EMQX's unary plus returns its operand unchecked: +'abc' is 'abc'.
      return e.op === '+' ? operand : (st) => neg(operand(st));
    }
    case 'Binary': {
      const l = compileValue(e.left, sc);
      const r = compileValue(e.right, sc);
      switch (e.op) {
        case '+':
          return (st) => add(l(st), r(st));
        case '-':
          return (st) => sub(l(st), r(st));
        case '*':
          return (st) => mul(l(st), r(st));
        case '/':
          return (st) => fdiv(l(st), r(st));
        case 'div':
          return (st) => idiv(l(st), r(st));
        case 'mod':
          return (st) => rem(l(st), r(st));
      }
      break;
    }
    case 'Compare':
      return compileCompare(e.op, e.left, e.right, sc, e);
    case 'Case':
      return compileCase(e, sc);
    case 'And':
    case 'Or':
      return alwaysRaises(
        sc,
        e,
        'function_clause',
        `${e.kind.toUpperCase()} cannot be evaluated as a value: EMQX 5.x raises on NOT (a ${e.kind.toUpperCase()} b) and on it in CASE x WHEN`,
      );
    case 'Not':
      return alwaysRaises(sc, e, 'function_clause', 'NOT cannot be evaluated as a value: EMQX 5.x raises on NOT NOT x and on NOT in CASE x WHEN');
    case 'In':
      return alwaysRaises(sc, e, 'function_clause', 'NOT IN / NOT (x IN ...) always raises in EMQX 5.x; write x != a AND x != b');
  }
}

/** A literal keeps its kind: `2.0` is a float (boxed), a long integer stays exact. */
function numberLiteral(e: NumberLiteral): RuleNumber {
  if (e.isFloat) return float(e.value);
  return Number.isSafeInteger(e.value) ? e.value : integer(BigInt(e.raw));
}

function compileCompare(op: CompareOp, left: Expr, right: Expr, sc: Scope, e: Expr): Ev {
  const l = compileValue(left, sc);
  const r = compileValue(right, sc);
  if (op === '~=') {
    sc.warn('SQL_WARN_ALWAYS_RAISES', e.range, "'~=' always raises in EMQX (did you mean '=~', topic matching?)");
  }
  return (st) => compareValues(op, l(st), r(st));
}

/**
 * Compiles a condition (WHERE, INCASE, CASE WHEN). Returns the raw result; see the file comment. A bare value
 * (a column, a path, arithmetic...) is not a condition in EMQX: it raises whenever evaluated.
 */
export function compileCond(e: Expr, sc: Scope): Ev {
  switch (e.kind) {
    case 'And': {
      const l = compileCond(e.left, sc);
      const r = compileCond(e.right, sc);
      return (st) => {
        const a = l(st);
        if (a === false) return false;
        if (a === true) return r(st);
        return raise('badarg', `AND needs a boolean on its left, got ${describe(a)}`);
      };
    }
    case 'Or': {
      const l = compileCond(e.left, sc);
      const r = compileCond(e.right, sc);
      return (st) => {
        const a = l(st);
        if (a === true) return true;
        if (a === false) return r(st);
        return raise('badarg', `OR needs a boolean on its left, got ${describe(a)}`);
      };
    }
    case 'Not': {
      const v = compileValue(e.operand, sc);
      // NOT of a non-boolean is false (not an error).
      return (st) => {
        const x = v(st);
        return typeof x === 'boolean' ? !x : false;
      };
    }
    case 'In': {
      const v = compileValue(e.value, sc);
      const items = e.list.map((i) => compileValue(i, sc));
      // lists:member: exact match, no coercion; every item is evaluated first.
      return (st) => {
        const x = v(st);
        let found = false;
        for (let i = 0; i < items.length; i++) {
          const y = items[i](st);
          if (!found && termEqual(x, y)) found = true;
        }
        return found;
      };
    }
    case 'Call':
      return compileCall(e, sc);
    case 'Compare':
      return compileCompare(e.op, e.left, e.right, sc, e);
    case 'Bool':
      return constant(e.value);
    case 'Number':
    case 'String':
    case 'Path':
    case 'Range':
    case 'Slice':
    case 'Array':
    case 'Unary':
    case 'Binary':
    case 'Case':
      return alwaysRaises(
        sc,
        e,
        'function_clause',
        `a bare ${e.kind === 'Path' ? 'field' : 'value'} is not a condition in EMQX 5.x (it raises); compare it, e.g. = true`,
      );
  }
}

function compileCase(e: CaseExpr, sc: Scope): Ev {
  const thens = e.whens.map((w) => compileValue(w.then, sc));
  const otherwise = e.otherwise !== null ? compileValue(e.otherwise, sc) : null;
  if (e.subject === null) {
    const conds = e.whens.map((w) => compileCond(w.when, sc));
    return (st) => {
      for (let i = 0; i < conds.length; i++) {
        if (conds[i](st) === true) return thens[i](st);
      }
      return otherwise !== null ? otherwise(st) : undefined;
    };
  }
  // CASE x WHEN v: exact pattern match (1 and 1.0 differ in EMQX, strings are not coerced).
  const subject = compileValue(e.subject, sc);
  const values = e.whens.map((w) => compileValue(w.when, sc));
  return (st) => {
    const s = subject(st);
    for (let i = 0; i < values.length; i++) {
      if (termEqual(values[i](st), s)) return thens[i](st);
    }
    return otherwise !== null ? otherwise(st) : undefined;
  };
}

function arityText(min: number, max: number): string {
  if (min === max) return `${min} argument${min === 1 ? '' : 's'}`;
  if (max === Infinity) return `at least ${min} argument${min === 1 ? '' : 's'}`;
  return `${min} to ${max} arguments`;
}

function checkArity(e: CallExpr, sc: Scope, min: number, max: number): void {
  const n = e.args.length;
  if (n < min || n > max) {
    throw sc.env.pos.error(
      'SQL_BAD_ARITY',
      e.nameRange,
      `${e.name}() takes ${arityText(min, max)} but ${n === 0 ? 'none was' : n === 1 ? '1 was' : `${n} were`} given`,
      { found: String(n) },
    );
  }
}

function wrapFunctionError(name: string, err: unknown): SqlRuntimeError {
  if (err instanceof SqlRuntimeError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  // The library's RuleFunctionError already starts its message with the function name.
  const text = msg.startsWith(`${name}:`) ? `${name}()${msg.slice(name.length)}` : `${name}(): ${msg}`;
  return new SqlRuntimeError('bad_sql_function_argument', text, err);
}

/** The regular-expression functions: their second argument is a pattern. */
const PATTERN_FUNCTIONS = new Set(['regex_match', 'regex_replace', 'regex_extract']);

/** A literal pattern is compiled at load: one that cannot run fails the rule's load with its position. */
function checkLiteralPattern(e: CallExpr, sc: Scope): void {
  const arg = e.args[1];
  if (!PATTERN_FUNCTIONS.has(e.name) || arg === undefined || arg.kind !== 'String') return;
  try {
    checkPatternLiteral(e.name, arg.value);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw sc.env.pos.error('SQL_BAD_ARGUMENT', arg.range, msg, { found: arg.value });
  }
}

function compileCall(e: CallExpr, sc: Scope): Ev {
  if (e.module !== null && !FUNC_MODULES.has(e.module)) {
    throw sc.env.pos.error('SQL_UNKNOWN_FUNCTION', e.nameRange, `unknown function module '${e.module}' (only emqx_rule_funcs.name(...) is allowed)`);
  }
  const name = e.name;
  const iot = IOT_FUNCTIONS[name];
  if (iot !== undefined && Object.hasOwn(IOT_FUNCTIONS, name)) {
    checkArity(e, sc, iot[0], iot[1]);
    return compileIot(
      e,
      sc,
      e.args.map((a) => compileValue(a, sc)),
    );
  }
  if (name === 'div' || name === 'mod') {
    checkArity(e, sc, 2, 2);
    const l = compileValue(e.args[0], sc);
    const r = compileValue(e.args[1], sc);
    return name === 'div' ? (st) => idiv(l(st), r(st)) : (st) => rem(l(st), r(st));
  }
  const def = lookupFunction(name);
  if (def === undefined) {
    const lower = name.toLowerCase();
    const hint = lower !== name && lookupFunction(lower) !== undefined ? ` (function names are case-sensitive: did you mean ${lower}?)` : '';
    throw sc.env.pos.error('SQL_UNKNOWN_FUNCTION', e.nameRange, `unknown function '${name}'${hint}`, { found: name });
  }
  checkArity(e, sc, def.minArity, def.maxArity);
  checkLiteralPattern(e, sc);
  const impl = def.impl;
  const args = e.args.map((a) => compileValue(a, sc));
  switch (args.length) {
    case 0:
      return () => {
        try {
          return impl();
        } catch (err) {
          throw wrapFunctionError(name, err);
        }
      };
    case 1: {
      const [a] = args;
      return (st) => {
        const x = a(st);
        try {
          return impl(x);
        } catch (err) {
          throw wrapFunctionError(name, err);
        }
      };
    }
    case 2: {
      const [a, b] = args;
      return (st) => {
        const x = a(st);
        const y = b(st);
        try {
          return impl(x, y);
        } catch (err) {
          throw wrapFunctionError(name, err);
        }
      };
    }
    case 3: {
      const [a, b, c] = args;
      return (st) => {
        const x = a(st);
        const y = b(st);
        const z = c(st);
        try {
          return impl(x, y, z);
        } catch (err) {
          throw wrapFunctionError(name, err);
        }
      };
    }
    default:
      return (st) => {
        const vals = new Array<unknown>(args.length);
        for (let i = 0; i < args.length; i++) vals[i] = args[i](st);
        try {
          return impl(...vals);
        } catch (err) {
          throw wrapFunctionError(name, err);
        }
      };
  }
}
