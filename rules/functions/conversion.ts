/** Data type conversion functions (emqx_rule_funcs + emqx_utils_conv, CE 5.8). */
import { anyToStr, NotStringableError } from './any-to-str.js';
import { bytes, int, str } from './args.js';
import { BitString } from './bitstring.js';
import { badArg, describe } from './errors.js';
import { fixedDecimals, floatToDecimalsCompact } from '../../common/erlang-float.js';
import { coerceMap } from './map-coerce.js';
import { float, integer, isBoxedFloat, isFloat, isNumber, toDouble } from '../../common/numbers.js';
import type { FunctionDef } from './types.js';

/** Erlang `binary_to_integer/1` syntax. */
const INT_RE = /^[+-]?[0-9]+$/;
/** Erlang `binary_to_float/1` syntax: a dot with digits on both sides is required ('1e3' and '1.' are invalid). */
const FLOAT_RE = /^[+-]?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?$/;
const HEX_RE = /^[0-9a-fA-F]*$/;
const HEX_UPPER = '0123456789ABCDEF';

export function toStr(fn: string, v: unknown): string {
  try {
    return anyToStr(v);
  } catch (e) {
    if (e instanceof NotStringableError) throw badArg(fn, e.message, e);
    throw badArg(fn, `cannot convert ${describe(v)} to a string`, e);
  }
}

/** `emqx_utils_conv:int/1`: strings via integer then float syntax, floats floored, true/false as 1/0. */
export function toInt(fn: string, v: unknown): number | bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' || isBoxedFloat(v)) {
    const x = v.valueOf();
    if (!Number.isFinite(x)) throw badArg(fn, `cannot convert ${x} to an integer`);
    const r = Math.floor(x);
    return Number.isSafeInteger(r) ? r + 0 : integer(BigInt(r));
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = typeof v === 'string' ? v : v.toString('utf8');
    if (INT_RE.test(s)) return integer(BigInt(s));
    if (FLOAT_RE.test(s)) return toInt(fn, Number(s));
    throw badArg(fn, `not an integer or float string: ${describe(s)}`);
  }
  throw badArg(fn, `cannot convert ${describe(v)} to an integer`);
}

/** `emqx_utils_conv:float/1` as a double: strings via float then integer syntax; booleans are rejected. */
export function toFloat(fn: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (isNumber(v)) return toDouble(v);
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = typeof v === 'string' ? v : v.toString('utf8');
    if (FLOAT_RE.test(s) || INT_RE.test(s)) {
      const n = Number(s);
      if (Number.isFinite(n)) return n;
    }
    throw badArg(fn, `not a float or integer string: ${describe(s)}`);
  }
  throw badArg(fn, `cannot convert ${describe(v)} to a float`);
}

function decimalsArg(fn: string, v: unknown, min: number): number {
  const d = int(fn, v, 'decimals');
  if (d < min || d > 253) throw badArg(fn, `decimals must be in ${min}..253, got ${d}`);
  return d;
}

/** Upper-case hex of a binary or bitstring, as emqx_variform_bif:bin2hexstr/1. */
export function bin2hex(fn: string, v: unknown): string {
  if (v instanceof BitString) return bitstringHex(v);
  return bytes(fn, v).toString('hex').toUpperCase();
}

/**
 * A bitstring of N bits is left-padded with zero bits to whole bytes; when 4 or more pad bits were needed the first
 * (always zero) hex digit is dropped: 6 bits 100111 -> "27", 2 bits 10 -> "2", 9 bits -> 3 hex digits.
 */
function bitstringHex(b: BitString): string {
  const pad = 8 - (b.bitLength % 8);
  const out = Buffer.alloc((b.bitLength + pad) / 8);
  for (let i = 0; i < b.bitLength; i++) {
    if ((b.bytes[i >> 3] >> (7 - (i & 7))) & 1) {
      const j = i + pad;
      out[j >> 3] |= 0x80 >> (j & 7);
    }
  }
  let hex = '';
  for (const byte of out) hex += HEX_UPPER[byte >> 4] + HEX_UPPER[byte & 15];
  return pad >= 4 ? hex.slice(1) : hex;
}

function hex2bin(fn: string, s: string): Buffer {
  if (!HEX_RE.test(s)) throw badArg(fn, `not a hex string: ${describe(s)}`);
  return Buffer.from(s.length % 2 === 1 ? `0${s}` : s, 'hex');
}

function prefixArg(fn: string, v: unknown): string {
  if (v === undefined) return '';
  return str(fn, v, 'prefix');
}

export const conversionFunctions: FunctionDef[] = [
  {
    name: 'str',
    minArity: 1,
    maxArity: 1,
    impl: (v) => toStr('str', v),
    doc:
      'str(V): any value as a string. Floats print with at most 10 decimals, trailing zeros trimmed: ' +
      'str(1/3) = "0.3333333333", str(123456789.123) = "123456789.1229999959", str(0.300000004) = "0.300000004". ' +
      'Maps and lists become JSON (small maps in reverse sorted key order), undefined becomes "undefined". ' +
      'A list of printable character codes is an Erlang string: str([104,105]) = "hi", str([]) = "". ' +
      'A float stays a float: str(2.0) = "2.0", str(6 / 3) = "2.0", str(-0.0) = "-0.0".',
  },
  {
    name: 'str_utf8',
    minArity: 1,
    maxArity: 1,
    impl: (v) => toStr('str_utf8', v),
    doc: 'str_utf8(V): like str(V), as UTF-8 text.',
  },
  {
    name: 'str_utf16_le',
    minArity: 1,
    maxArity: 1,
    impl: (v) => Buffer.from(toStr('str_utf16_le', v), 'utf16le'),
    doc: 'str_utf16_le(V): str(V) encoded as UTF-16 little-endian bytes (a binary; wrap in bin2hexstr to print). 5.8.4+.',
  },
  {
    name: 'int',
    minArity: 1,
    maxArity: 1,
    impl: (v) => toInt('int', v),
    doc:
      "int(V): integer. Strings parse as integer, else as float then floor: int('3.1415e2') = 314, int('1.9') = 1. " +
      "Floats are floored: int(-3.14) = -4 (the docs say 4). true/false give 1/0. int('a') and int('1e3') raise. " +
      "Integers are exact at any size: int('12345678901234567890') = 12345678901234567890.",
  },
  {
    name: 'float',
    minArity: 1,
    maxArity: 2,
    impl: function (v: unknown, d?: unknown) {
      const f = toFloat('float', v);
      if (arguments.length < 2) return float(f);
      return float(Number(fixedDecimals(f, decimalsArg('float', d, 1))));
    },
    doc:
      "float(V[, Decimals]): float from a number or string ('3.14e4', '20'). With Decimals (1..253) the value is " +
      "rounded: float('3.1415926', 3) = 3.142, float('0.000012345', 5) = 0.00001. Booleans raise. The result is " +
      "always a float: float('123') = 123.0, float(20) = 20.0 (also in JSON output).",
  },
  {
    name: 'float2str',
    minArity: 2,
    maxArity: 2,
    impl: (f, d) => {
      // float_to_binary/2 has a float guard: an integer (even 20) raises.
      if (!isFloat(f) || !Number.isFinite(f.valueOf())) throw badArg('float2str', `expected a float, got ${describe(f)}`);
      return floatToDecimalsCompact(f.valueOf(), decimalsArg('float2str', d, 0));
    },
    doc:
      'float2str(F, Decimals): F printed with Decimals (0..253) places of its exact binary value, trailing zeros ' +
      'trimmed: float2str(20.2, 15) = "20.199999999999999", float2str(0.1, 20) = "0.10000000000000000555". ' +
      'An integer F raises (float2str(20, 2)); write float2str(float(20), 2) = "20.0".',
  },
  {
    name: 'bool',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      if (v === true || v === 1) return true;
      if (v === false || v === 0) return false;
      if (typeof v === 'string' || Buffer.isBuffer(v)) {
        const s = typeof v === 'string' ? v : v.toString('utf8');
        if (s === 'true') return true;
        if (s === 'false') return false;
      }
      throw badArg('bool', `expected true/false, 'true'/'false' or 1/0, got ${describe(v)}`);
    },
    doc: "bool(V): true for true, 'true', 1; false for false, 'false', 0; anything else ('True', 20) raises.",
  },
  {
    name: 'map',
    minArity: 1,
    maxArity: 1,
    impl: (v) => coerceMap('map', v),
    doc: 'map(V): a map as is; a string holding a JSON object is decoded; [] is {}; anything else raises.',
  },
  {
    name: 'bin2hexstr',
    minArity: 1,
    maxArity: 2,
    impl: (b, p) => prefixArg('bin2hexstr', p) + bin2hex('bin2hexstr', b),
    doc:
      "bin2hexstr(Bin[, Prefix]): upper-case hex of the bytes, optionally prefixed: bin2hexstr(zip('hello')) = " +
      "'CB48CDC9C90700', bin2hexstr(hexstr2bin('0102'), '0x') = '0x0102'. A string is taken as its UTF-8 bytes.",
  },
  {
    name: 'hexstr2bin',
    minArity: 1,
    maxArity: 2,
    impl: (s, p) => {
      const text = str('hexstr2bin', s);
      const prefix = prefixArg('hexstr2bin', p);
      if (prefix !== '' && !text.startsWith(prefix)) throw badArg('hexstr2bin', `input does not start with prefix '${prefix}'`);
      return hex2bin('hexstr2bin', text.slice(prefix.length));
    },
    doc:
      'hexstr2bin(Hex[, Prefix]): the bytes (a binary) of a hex string, any case; an odd length gets a leading 0 ' +
      "nibble: hexstr2bin('6364f') = <<6,54,79>>. With Prefix the input must start with it ('0x6364f', '0x'). " +
      'Non-hex characters raise.',
  },
  {
    name: 'sqlserver_bin2hexstr',
    minArity: 1,
    maxArity: 1,
    impl: (b) => `0x${bin2hex('sqlserver_bin2hexstr', b)}`,
    doc: "sqlserver_bin2hexstr(Bin): bin2hexstr(Bin, '0x'), the SQL Server binary literal form.",
  },
];
