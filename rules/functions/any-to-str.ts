/**
 * `emqx_utils_conv:bin/1`, the conversion behind str/1, concat, join_to_string and the `+` string operator.
 */
import { atomText } from './atom.js';
import { BitString } from './bitstring.js';
import { floatToDecimalsCompact, numberToText } from '../../common/erlang-float.js';
import { emqxJsonEncode } from './json.js';

/** Thrown for values with no string form (bitstrings, functions); callers turn it into their function's error. */
export class NotStringableError extends Error {}

/**
 * Strings stay; Buffers are read as UTF-8; numbers print as EMQX prints them (10-decimal compact floats);
 * true/false/null/undefined print their atom names; maps are JSON (reverse sorted keys when small); lists are JSON
 * unless they are "printable" Erlang charlists: a list of printable character codes ([] included) is the string of
 * those characters, so `str([104,105])` is "hi" and `str([])` is "" (EMQX does exactly this; its VM runs with
 * `+pc unicode`, so any printable Unicode code point counts).
 */
export function anyToStr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new NotStringableError(`cannot print ${v}`);
      return numberToText(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return atomText(v);
    case 'object':
      if (v === null) return 'null';
      if (Buffer.isBuffer(v)) return v.toString('utf8');
      if (v instanceof Number) return floatToDecimalsCompact(v.valueOf(), 10);
      if (v instanceof BitString) throw new NotStringableError('cannot print a bitstring');
      if (Array.isArray(v)) return isPrintableCharlist(v, true) ? codesToString(v as number[]) : emqxJsonEncode(v);
      return emqxJsonEncode(v);
    default:
      throw new NotStringableError(`cannot print a ${typeof v}`);
  }
}

/**
 * `io_lib:printable_list/1` (unicode = true: the `+pc unicode` range EMQX runs with) or
 * `io_lib:printable_latin1_list/1` (unicode = false).
 */
export function isPrintableCharlist(l: readonly unknown[], unicode: boolean): boolean {
  for (let i = 0; i < l.length; i++) {
    const c = l[i];
    if (typeof c !== 'number' || !Number.isInteger(c)) return false;
    const printable =
      (c >= 32 && c <= 126) ||
      (c >= 8 && c <= 13) || // \b \t \n \v \f \r
      c === 27 || // \e
      (c >= 160 && (unicode ? c <= 0x10ffff && (c < 0xd800 || c > 0xdfff) && c !== 0xfffe && c !== 0xffff : c <= 255));
    if (!printable) return false;
  }
  return true;
}

/** String of the given code points, in chunks so long lists cannot overflow the call stack. */
export function codesToString(codes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 4096) out += String.fromCodePoint(...codes.slice(i, i + 4096));
  return out;
}
