/** Math functions (emqx_rule_funcs, CE 5.8): Erlang `math` semantics, where NaN/infinite results raise. */
import { int, num } from './args.js';
import { badArg } from './errors.js';
import { float, type BoxedFloat } from '../../common/numbers.js';
import type { FunctionDef } from './types.js';

/** Erlang raises badarith where C would return NaN or infinity (log(0), sqrt(-1), exp(1000)). */
/** Every Erlang `math` result is a float: an integral one is boxed so it stays one (sqrt(9) = 3.0). */
function finite(fn: string, r: number): number | BoxedFloat {
  if (Number.isFinite(r)) return float(r);
  throw badArg(fn, 'result is not a finite number (badarith)');
}

function unary(name: string, f: (x: number) => number, doc: string): FunctionDef {
  return { name, minArity: 1, maxArity: 1, impl: (x) => finite(name, f(num(name, x))), doc };
}

/** Integer result without -0 (Erlang has no negative zero integer). */
function intResult(r: number): number {
  return r === 0 ? 0 : r;
}

export const mathFunctions: FunctionDef[] = [
  {
    name: 'abs',
    minArity: 1,
    maxArity: 1,
    impl: (x) => intResult(Math.abs(int('abs', x))),
    doc: 'abs(N): absolute value of an INTEGER. EMQX 5.x only accepts integers: abs(-1.2) raises (the docs are wrong).',
  },
  {
    name: 'ceil',
    minArity: 1,
    maxArity: 1,
    impl: (x) => intResult(Math.ceil(num('ceil', x))),
    doc: 'ceil(X): smallest integer >= X. ceil(0.8) = 1.',
  },
  {
    name: 'floor',
    minArity: 1,
    maxArity: 1,
    impl: (x) => intResult(Math.floor(num('floor', x))),
    doc: 'floor(X): largest integer <= X. floor(3.6) = 3.',
  },
  {
    name: 'round',
    minArity: 1,
    maxArity: 1,
    impl: (x) => {
      const n = num('round', x);
      return intResult(n < 0 ? -Math.round(-n) : Math.round(n));
    },
    doc: 'round(X): nearest integer, halves away from zero. round(4.5) = 5, round(-4.5) = -5.',
  },
  unary('sqrt', Math.sqrt, 'sqrt(X): square root (float). sqrt(9) = 3.0; sqrt(-1) raises.'),
  unary('exp', Math.exp, 'exp(X): e^X (float). exp(1) = 2.718281828459045; overflow raises.'),
  {
    name: 'power',
    minArity: 2,
    maxArity: 2,
    impl: (x, y) => finite('power', num('power', x) ** num('power', y)),
    doc: 'power(X, Y): X^Y as a float. power(2, 3) = 8.0; power(-8, 0.5) and power(0, -1) raise.',
  },
  unary('log', Math.log, 'log(X): natural logarithm (float); X <= 0 raises. log(7.38905609893065) = 2.0.'),
  unary('log10', Math.log10, 'log10(X): base-10 logarithm (float); X <= 0 raises. log10(100) = 2.0.'),
  unary('log2', Math.log2, 'log2(X): base-2 logarithm (float); X <= 0 raises. log2(8) = 3.0.'),
  {
    name: 'fmod',
    minArity: 2,
    maxArity: 2,
    impl: (x, y) => finite('fmod', num('fmod', x) % num('fmod', y)),
    doc: 'fmod(X, Y): float remainder of X / Y with the sign of X. fmod(6.5, 2.5) = 1.5; fmod(X, 0) raises.',
  },
  unary('sin', Math.sin, 'sin(X): sine of X radians. sin(0.5) = 0.479425538604203.'),
  unary('cos', Math.cos, 'cos(X): cosine of X radians. cos(0.5) = 0.8775825618903728.'),
  unary('tan', Math.tan, 'tan(X): tangent of X radians. tan(0.5) = 0.5463024898437905.'),
  unary('asin', Math.asin, 'asin(X): arc sine in radians, X in [-1, 1] (else raises). asin(0.5) = 0.5235987755982988.'),
  unary('acos', Math.acos, 'acos(X): arc cosine in radians, X in [-1, 1] (else raises). acos(0.5) = 1.0471975511965976.'),
  unary('atan', Math.atan, 'atan(X): arc tangent in radians. atan(0.5) = 0.46364760900080615.'),
  unary('sinh', Math.sinh, 'sinh(X): hyperbolic sine. sinh(0.5) = 0.5210953054937474.'),
  unary('cosh', Math.cosh, 'cosh(X): hyperbolic cosine. cosh(0.5) = 1.1276259652063807.'),
  unary('tanh', Math.tanh, 'tanh(X): hyperbolic tangent. tanh(0.5) = 0.46211715726000974.'),
  unary('asinh', Math.asinh, 'asinh(X): inverse hyperbolic sine. asinh(0.5) = 0.48121182505960347.'),
  unary('acosh', Math.acosh, 'acosh(X): inverse hyperbolic cosine, X >= 1 (else raises). acosh(1.5) = 0.9624236501192069.'),
  unary('atanh', Math.atanh, 'atanh(X): inverse hyperbolic tangent, X in (-1, 1) (else raises). atanh(0.5) = 0.5493061443340549.'),
  {
    name: 'random',
    minArity: 0,
    maxArity: 0,
    impl: () => float(Math.random()),
    doc: 'random(): a random float in [0, 1).',
  },
  {
    name: 'div',
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => {
      const x = int('div', a, 'dividend');
      const y = int('div', b, 'divisor');
      if (y === 0) throw badArg('div', 'division by zero (badarith)');
      return intResult((x - (x % y)) / y);
    },
    doc: 'div(A, B): integer division truncated toward zero, integers only. div(-7, 2) = -3; B = 0 raises.',
  },
  {
    name: 'mod',
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => {
      const x = int('mod', a, 'dividend');
      const y = int('mod', b, 'divisor');
      if (y === 0) throw badArg('mod', 'division by zero (badarith)');
      return intResult(x % y);
    },
    doc: 'mod(A, B): Erlang rem, integers only, sign of A. mod(-7, 3) = -1, mod(7, -3) = 1; B = 0 raises.',
  },
];
