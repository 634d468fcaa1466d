/**
 * Value semantics of EMQX rule SQL on rulemq's value model (undefined = missing, null = JSON null, string/Buffer =
 * binary, number, boolean, plain object = map, array = list):
 * - compareValues: emqx_rule_runtime:compare/3 (undefined handling, number/string and atom/string coercion);
 * - termCompare/termEqual: Erlang term order and `==` (used by IN and CASE x WHEN v, which do not coerce);
 * - arithmetic: emqx_rule_funcs '+', '-', '*', '/', 'div', mod, unary minus.
 * Numbers follow functions/numbers.ts: integers are integral JS numbers (bigint past 2^53), floats are non-integral
 * JS numbers or boxed (2.0). Arithmetic keeps the kind: a float operand or `/` gives a float, integers stay exact.
 */
import { atomText } from './functions/atom.js';
import { lookupFunction } from './functions/index.js';
import { float, integer, isBoxedFloat, isNumber, toBigInt, toDouble, type RuleNumber } from '../common/numbers.js';
import { raise } from './errors.js';
import { topicMatches } from './topic-match.js';

/** A binary in EMQX terms: a string or raw bytes. */
export function isBinary(v: unknown): v is string | Uint8Array {
  return typeof v === 'string' || v instanceof Uint8Array;
}

/** A map: a plain object that is not a list or bytes. */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Number);
}

/** The text of a binary (bytes read as UTF-8). */
export function binaryText(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}

/** Short description of a value for error messages; never dumps a whole payload. */
export function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? `'${v.slice(0, 37)}...'` : `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (isBoxedFloat(v)) return `${v.valueOf()}.0`;
  if (v instanceof Uint8Array) return `a binary of ${v.length} bytes`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a map';
  return typeof v;
}

// ---------------------------------------------------------------------------------------------------------------
// Erlang term order: number < atom < ... < map < list < binary. Atoms here: true, false, null, undefined.

function rank(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 0;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return 1;
    case 'string':
      return 9;
    case 'object':
      if (v === null) return 1;
      if (Array.isArray(v)) return 7;
      if (v instanceof Uint8Array) return 9;
      if (v instanceof Number) return 0;
      return 6;
    default:
      return 5;
  }
}

function atomName(v: unknown): string {
  return v === null ? 'null' : typeof v === 'symbol' ? atomText(v) : String(v);
}

/** Compares two strings in UTF-8 byte order (= code point order), which JS `<` gets wrong for astral characters. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function compareBinaries(a: string | Uint8Array, b: string | Uint8Array): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.compare(x, y);
}

/** Erlang term order: negative, zero or positive. Zero means `==` (1 == 1.0 in Erlang too). */
export function termCompare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return compareNumbers(a as RuleNumber, b as RuleNumber);
    case 1:
      return compareStrings(atomName(a), atomName(b));
    case 9:
      return compareBinaries(a as string | Uint8Array, b as string | Uint8Array);
    case 7: {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = termCompare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 6: {
      // Maps: by size, then by sorted keys, then by values in key order.
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort(compareStrings);
      const ky = Object.keys(y).sort(compareStrings);
      if (kx.length !== ky.length) return kx.length - ky.length;
      for (let i = 0; i < kx.length; i++) {
        const c = compareStrings(kx[i], ky[i]);
        if (c !== 0) return c;
      }
      for (const k of kx) {
        const c = termCompare(x[k], y[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** Numeric order of two rule numbers (1 and 1.0 are equal, as Erlang's `==`); big integers compare exactly. */
function compareNumbers(a: RuleNumber, b: RuleNumber): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && Number.isInteger(b)) return compareBig(a, b as number);
  if (typeof b === 'bigint' && Number.isInteger(a)) return -compareBig(b, a as number);
  const x = toDouble(a);
  const y = toDouble(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBig(a: bigint, b: number): number {
  const y = BigInt(b);
  return a < y ? -1 : a > y ? 1 : 0;
}

/**
 * Erlang `=:=`: what IN (lists:member), `CASE x WHEN v` and contains() use. No coercion: 1 and 1.0 differ (an
 * integer never equals a float), strings are not numbers.
 */
export function termEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') {
    // A non-integral number equals only itself; an integer never equals a boxed float.
    return false;
  }
  if (typeof a === 'string' && typeof b === 'string') return false;
  if (a instanceof Number || b instanceof Number) {
    return a instanceof Number && b instanceof Number && a.valueOf() === b.valueOf();
  }
  return exactCompare(a, b);
}

/** termCompare, but numbers inside lists and maps match exactly too (lists:member on [1] vs [1.0] is false). */
function exactCompare(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!termEqual(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !termEqual(a[k], b[k])) return false;
    return true;
  }
  return termCompare(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// compare/3

const INT_TEXT = /^[+-]?[0-9]+$/;
const FLOAT_TEXT = /^[+-]?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?$/;

/**
 * binary_to_integer, else binary_to_float, as EMQX does when a number meets a string in a comparison. `'1.0'`,
 * `'01'`, `'-2'` convert; `' 1'`, `'abc'`, `'1e3'`, `'1.'` raise badarg (the rule fails).
 */
export function binaryToNumber(v: string | Uint8Array): number {
  const text = binaryText(v);
  if (INT_TEXT.test(text) || FLOAT_TEXT.test(text)) return Number(text);
  return raise('badarg', `cannot compare a number with ${describe(text)}: it is not a number`);
}

function isAtom(v: unknown): boolean {
  return typeof v === 'boolean' || v === null || typeof v === 'symbol';
}

/** The comparison operators of rule SQL. */
export type CompareOp = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=' | '=~' | '~=';

function doCompare(op: CompareOp, l: unknown, r: unknown): boolean {
  switch (op) {
    case '=':
      return termCompare(l, r) === 0;
    case '!=':
    case '<>':
      return termCompare(l, r) !== 0;
    case '<':
      return termCompare(l, r) < 0;
    case '>':
      return termCompare(l, r) > 0;
    case '<=':
      return termCompare(l, r) <= 0;
    case '>=':
      return termCompare(l, r) >= 0;
    case '=~':
      return isBinary(l) && isBinary(r) ? topicMatches(binaryText(r), binaryText(l)) : false;
    case '~=':
      return raise('function_clause', "'~=' is not an operator (did you mean '=~', MQTT topic matching?)");
  }
}

/**
 * emqx_rule_runtime:compare/3. undefined vs undefined compares them (equal); undefined vs anything else is false
 * for every operator, `!=` included. A number meets a string → the string is converted (or the rule fails); an
 * atom (true/false/null) meets a string → the atom's name. Otherwise Erlang term order. `=~` is topic matching
 * (left: topic, right: filter).
 */
export function compareValues(op: CompareOp, l: unknown, r: unknown): boolean {
  if (typeof l === 'number' && typeof r === 'number' && op !== '=~' && op !== '~=') {
    switch (op) {
      case '=':
        return l === r;
      case '!=':
      case '<>':
        return l !== r;
      case '<':
        return l < r;
      case '>':
        return l > r;
      case '<=':
        return l <= r;
      case '>=':
        return l >= r;
    }
  }
  if (l === undefined || r === undefined) {
    return l === undefined && r === undefined ? doCompare(op, l, r) : false;
  }
  if (isNumber(l) && isBinary(r)) return doCompare(op, l, binaryToNumber(r));
  if (isBinary(l) && isNumber(r)) return doCompare(op, binaryToNumber(l), r);
  if (isAtom(l) && isBinary(r)) return doCompare(op, atomName(l), r);
  if (isBinary(l) && isAtom(r)) return doCompare(op, l, atomName(r));
  return doCompare(op, l, r);
}

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic

function finite(x: number, what: string): number {
  if (!Number.isFinite(x)) raise('badarith', `${what} is out of the number range`);
  return x;
}

let concatImpl: ((a: unknown, b: unknown) => unknown) | null = null;

/** String concatenation as `+` does it: both sides through str() (the function library's concat). */
function concat(a: unknown, b: unknown): unknown {
  if (concatImpl === null) {
    const def = lookupFunction('concat');
    concatImpl = def !== undefined ? (x, y) => def.impl(x, y) : (x, y) => fallbackStr(x) + fallbackStr(y);
  }
  return concatImpl(a, b);
}

function fallbackStr(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (isBinary(v)) return binaryText(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

type ArithOp = '+' | '-' | '*';

/**
 * `+ - *` on two plain numbers, the hot path: a float operand makes a float (2.5 + 0.5 = 3.0, boxed); two integers
 * make an integer, exact past 2^53 (as bigint).
 */
function arith(op: ArithOp, a: number, b: number, r: number): RuleNumber {
  if (!Number.isInteger(r)) return finite(r, `${a} ${op} ${b}`);
  if (!Number.isInteger(a) || !Number.isInteger(b)) return float(finite(r, `${a} ${op} ${b}`));
  return Number.isSafeInteger(r) ? r + 0 : bigArith(op, BigInt(a), BigInt(b));
}

function bigArith(op: ArithOp, a: bigint, b: bigint): number | bigint {
  return integer(op === '+' ? a + b : op === '-' ? a - b : a * b);
}

/** `+ - *` when an operand is a bigint or a boxed float (both operands are numbers). */
function arithSlow(op: ArithOp, x: RuleNumber, y: RuleNumber): RuleNumber {
  if ((typeof x === 'bigint' || Number.isInteger(x)) && (typeof y === 'bigint' || Number.isInteger(y))) {
    return bigArith(op, toBigInt(x as number | bigint), toBigInt(y as number | bigint));
  }
  const a = toDouble(x);
  const b = toDouble(y);
  return float(finite(op === '+' ? a + b : op === '-' ? a - b : a * b, `${describe(x)} ${op} ${describe(y)}`));
}

/** `+`: numbers add; if either side is a string both are stringified and concatenated; anything else fails. */
export function add(x: unknown, y: unknown): unknown {
  if (typeof x === 'number' && typeof y === 'number') return arith('+', x, y, x + y);
  if (isBinary(x) || isBinary(y)) return concat(x, y);
  if (isNumber(x) && isNumber(y)) return arithSlow('+', x, y);
  return raise('badarith', `cannot add ${describe(x)} and ${describe(y)}`);
}

function needNumbers(op: string, x: unknown, y: unknown): void {
  if (!isNumber(x) || !isNumber(y)) raise('badarith', `'${op}' needs two numbers, got ${describe(x)} and ${describe(y)}`);
}

export function sub(x: unknown, y: unknown): RuleNumber {
  if (typeof x === 'number' && typeof y === 'number') return arith('-', x, y, x - y);
  needNumbers('-', x, y);
  return arithSlow('-', x as RuleNumber, y as RuleNumber);
}

export function mul(x: unknown, y: unknown): RuleNumber {
  if (typeof x === 'number' && typeof y === 'number') return arith('*', x, y, x * y);
  needNumbers('*', x, y);
  return arithSlow('*', x as RuleNumber, y as RuleNumber);
}

/** `/` always yields a float in EMQX (6/3 = 2.0, boxed here). Division by zero fails. */
export function fdiv(x: unknown, y: unknown): RuleNumber {
  needNumbers('/', x, y);
  const a = toDouble(x as RuleNumber);
  const b = toDouble(y as RuleNumber);
  if (b === 0) raise('badarith', 'division by zero');
  return float(finite(a / b, `${a} / ${b}`));
}

function integers(op: string, x: unknown, y: unknown): [bigint | number, bigint | number] {
  const okX = (typeof x === 'number' && Number.isInteger(x)) || typeof x === 'bigint';
  const okY = (typeof y === 'number' && Number.isInteger(y)) || typeof y === 'bigint';
  if (!okX || !okY) {
    raise('function_clause', `'${op}' needs two integers, got ${describe(x)} and ${describe(y)}`);
  }
  if (y === 0) raise('badarith', `${op} by zero`);
  return [x as number | bigint, y as number | bigint];
}

/** `div`: integer division truncating toward zero (-7 div 2 = -3). */
export function idiv(x: unknown, y: unknown): number | bigint {
  const [a, b] = integers('div', x, y);
  if (typeof a === 'number' && typeof b === 'number') return (a - (a % b)) / b + 0;
  return integer(toBigInt(a) / toBigInt(b));
}

/** `mod`: Erlang rem, sign of the dividend (-7 mod 3 = -1, 7 mod -3 = 1). */
export function rem(x: unknown, y: unknown): number | bigint {
  const [a, b] = integers('mod', x, y);
  if (typeof a === 'number' && typeof b === 'number') return (a % b) + 0;
  return integer(toBigInt(a) % toBigInt(b));
}

/** Unary minus: numbers only, kind kept (-(2.0) is -2.0). (Unary plus returns its operand unchanged, as in EMQX.) */
export function neg(x: unknown): RuleNumber {
  if (typeof x === 'number') return Number.isInteger(x) ? 0 - x : -x;
  if (typeof x === 'bigint') return integer(-x);
  if (isBoxedFloat(x)) return float(-x.valueOf());
  return raise('badarith', `cannot negate ${describe(x)}`);
}

/** `[a..b]`: lists:seq(a, b); b < a - 1 fails. */
export function rangeList(from: number, to: number): number[] {
  if (to < from - 1) raise('function_clause', `range [${from}..${to}] is empty backwards`);
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** `list[a..b]`: inclusive slice with 1-based (negative from the end) bounds; fails on a non-list or a 0 bound. */
export function rangeGet(from: number, to: number, list: unknown): unknown[] {
  if (!Array.isArray(list)) return raise('range_get', `cannot slice ${describe(list)}: not a list`);
  const len = list.length;
  const index = (i: number): number => {
    if (i === 0) raise('invalid_index', 'slice bounds are 1-based; 0 is not an index');
    return i > 0 ? i : len + i + 1;
  };
  const b = index(from);
  const e = index(to);
  const count = e - b + 1;
  // lists:sublist(List, B, Count): B must be >= 1; B past the end gives []; a negative count fails.
  if (b < 1) raise('function_clause', `slice start ${from} is before the start of a list of ${len}`);
  if (b > len + 1) return [];
  if (count < 0) raise('function_clause', `slice [${from}..${to}] runs backwards`);
  return list.slice(b - 1, b - 1 + count);
}
