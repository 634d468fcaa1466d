/**
 * Argument checks shared by the function categories.
 *
 * EMQX guards most functions with `is_binary/1`, `is_integer/1`... We accept `string | Buffer` wherever EMQX takes a
 * binary (a Buffer is read as UTF-8 unless the function is byte-oriented) and throw FUNC_BAD_ARG otherwise.
 */
import { BitString } from './bitstring.js';
import { badArg, describe } from './errors.js';
import { isNumber, toDouble } from '../../common/numbers.js';

export type PlainMap = Record<string, unknown>;

export function isBinary(v: unknown): v is string | Buffer {
  return typeof v === 'string' || Buffer.isBuffer(v);
}

/** A JSON-style map: a plain object, not an array, Buffer or bitstring. */
export function isMap(v: unknown): v is PlainMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof BitString) && !(v instanceof Number);
}

/** Erlang is_integer/1 (a boxed float such as 2.0 is not one; a bigint is). */
export { isInteger as isInt } from '../../common/numbers.js';

export function str(fn: string, v: unknown, what = 'argument'): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw badArg(fn, `${what} must be a string, got ${describe(v)}`);
}

export function bytes(fn: string, v: unknown, what = 'argument'): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  throw badArg(fn, `${what} must be a binary, got ${describe(v)}`);
}

export function int(fn: string, v: unknown, what = 'argument'): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw badArg(fn, `${what} must be an integer, got ${describe(v)}`);
}

/** A number argument as a double: integers, floats, boxed floats (2.0) and big integers (rounded). */
export function num(fn: string, v: unknown, what = 'argument'): number {
  if (typeof v === 'number') return v;
  if (isNumber(v)) return toDouble(v);
  throw badArg(fn, `${what} must be a number, got ${describe(v)}`);
}

export function list(fn: string, v: unknown, what = 'argument'): unknown[] {
  if (Array.isArray(v)) return v;
  throw badArg(fn, `${what} must be an array, got ${describe(v)}`);
}

/** Reads an option argument such as 'leading'; returns it as a string (or throws if it is not a binary). */
export function option(fn: string, v: unknown, allowed: readonly string[]): string {
  const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  if (s !== undefined && allowed.includes(s)) return s;
  throw badArg(fn, `option must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
}
