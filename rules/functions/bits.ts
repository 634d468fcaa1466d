/**
 * Bitwise integer operations and bit-sequence functions (bitsize, bytesize, subbits).
 *
 * Erlang integers are unbounded; ours are JS numbers. Operations outside 32 bits go through BigInt so 64-bit masks
 * are exact as long as the operands and the result fit in a double's 53-bit mantissa.
 */
import { int, isInt, option } from './args.js';
import { BitString, bitsOf } from './bitstring.js';
import { badArg, describe } from './errors.js';
import type { FunctionDef } from './types.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function isInt32(n: number): boolean {
  return n >= INT32_MIN && n <= INT32_MAX;
}

function toNumber(fn: string, b: bigint): number {
  const n = Number(b);
  if (!Number.isFinite(n)) throw badArg(fn, 'result is too large');
  return n;
}

function shiftLeft(fn: string, x: number, s: number): number {
  if (s < 0) return shiftRight(x, -s);
  if (x === 0) return 0;
  const r = x * 2 ** s;
  if (!Number.isFinite(r)) throw badArg(fn, 'result is too large');
  return r;
}

/** Arithmetic shift right (floor division by 2^s), as Erlang's bsr. */
function shiftRight(x: number, s: number): number {
  if (s > 1100) return x < 0 ? -1 : 0;
  const r = Math.floor(x / 2 ** s);
  return r === 0 ? 0 : r;
}

function binaryOp(name: string, f32: (a: number, b: number) => number, fBig: (a: bigint, b: bigint) => bigint, doc: string): FunctionDef {
  return {
    name,
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => {
      const x = int(name, a);
      const y = int(name, b);
      if (isInt32(x) && isInt32(y)) return f32(x, y);
      return toNumber(name, fBig(BigInt(x), BigInt(y)));
    },
    doc,
  };
}

/** `erlang:iolist_size/1`: bytes of a binary, or of a (deep) list of bytes and binaries. */
function iolistSize(fn: string, v: unknown, depth: number): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (Buffer.isBuffer(v)) return v.length;
  if (Array.isArray(v) && depth < 1000) {
    let n = 0;
    for (const x of v) {
      if (isInt(x) && x >= 0 && x <= 255) n += 1;
      else n += iolistSize(fn, x, depth + 1);
    }
    return n;
  }
  throw badArg(fn, `expected a binary or iolist, got ${describe(v)}`);
}

/** Reads `len` bits from bit `start` as an unsigned big-endian integer. */
function readUnsigned(bytes: Buffer, start: number, len: number): bigint | number {
  if (len <= 48) {
    let v = 0;
    for (let i = 0; i < len; i++) {
      const bit = start + i;
      v = v * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    return v;
  }
  let v = 0n;
  for (let i = 0; i < len; i++) {
    const bit = start + i;
    v = (v << 1n) | BigInt((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
  }
  return v;
}

/**
 * Erlang little-endian integers: whole bytes from the start are the least significant; a final partial byte of
 * k bits supplies the top k bits of the value (<<X:12/little>> over 0x12 0x34 is 0x312).
 */
function readUnsignedLittle(bytes: Buffer, start: number, len: number): bigint {
  let v = 0n;
  let shift = 0n;
  let pos = start;
  let left = len;
  while (left >= 8) {
    v |= BigInt(readUnsigned(bytes, pos, 8)) << shift;
    shift += 8n;
    pos += 8;
    left -= 8;
  }
  if (left > 0) v |= BigInt(readUnsigned(bytes, pos, left)) << shift;
  return v;
}

function readInteger(bytes: Buffer, start: number, len: number, signed: boolean, little: boolean): number {
  if (len === 0) return 0;
  const u = little ? readUnsignedLittle(bytes, start, len) : readUnsigned(bytes, start, len);
  if (typeof u === 'number') {
    return signed && u >= 2 ** (len - 1) ? u - 2 ** len : u;
  }
  const v = signed && u >= 1n << BigInt(len - 1) ? u - (1n << BigInt(len)) : u;
  return Number(v);
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A float of 16, 32 or 64 bits; undefined when the size is not one of those or the value is NaN/infinite. */
function readFloat(bytes: Buffer, start: number, len: number, little: boolean): number | undefined {
  if (len !== 16 && len !== 32 && len !== 64) return undefined;
  const raw = BitString.slice(bytes, start, len) as Buffer;
  if (little) raw.reverse();
  const v = len === 16 ? halfToNumber(raw.readUInt16BE(0)) : len === 32 ? raw.readFloatBE(0) : raw.readDoubleBE(0);
  return Number.isFinite(v) ? v : undefined;
}

const TYPES = ['integer', 'float', 'bits'] as const;
const SIGNS = ['unsigned', 'signed'] as const;
const ENDIANS = ['big', 'little'] as const;

function subbits(args: unknown[]): unknown {
  const n = args.length;
  const src = bitsOf(args[0]);
  if (src === undefined) throw badArg('subbits', `expected a binary, got ${describe(args[0])}`);
  let start = 1;
  let len: number;
  if (n === 2) len = int('subbits', args[1], 'length');
  else {
    start = int('subbits', args[1], 'start');
    len = int('subbits', args[2], 'length');
  }
  const begin = start - 1;
  // <<_:Begin, Rem/bits>> with Rem =/= <<>>: otherwise the result is undefined.
  if (begin < 0 || begin >= src.bitLength) return undefined;
  const type = n >= 4 ? option('subbits', args[3], TYPES) : 'integer';
  const signed = (n >= 5 ? option('subbits', args[4], SIGNS) : 'unsigned') === 'signed';
  const little = (n >= 6 ? option('subbits', args[5], ENDIANS) : 'big') === 'little';
  const sz = src.bitLength - begin;
  // EMQX tries Len bits, then falls back to all remaining bits when Len does not fit.
  const fits = len >= 0 && len <= sz;
  if (type === 'float') {
    const v = (fits ? readFloat(src.bytes, begin, len, little) : undefined) ?? readFloat(src.bytes, begin, sz, little);
    if (v === undefined) throw badArg('subbits', `no 16, 32 or 64-bit finite float at bit ${start}`);
    return v;
  }
  const take = fits ? len : sz;
  if (type === 'bits') return BitString.slice(src.bytes, begin, take);
  return readInteger(src.bytes, begin, take, signed, little);
}

export const bitFunctions: FunctionDef[] = [
  {
    name: 'bitnot',
    minArity: 1,
    maxArity: 1,
    impl: (a) => {
      const x = int('bitnot', a);
      return isInt32(x) ? ~x : toNumber('bitnot', ~BigInt(x));
    },
    doc: 'bitnot(N): bitwise NOT of a signed integer. bitnot(10) = -11.',
  },
  binaryOp(
    'bitand',
    (a, b) => a & b,
    (a, b) => a & b,
    'bitand(A, B): bitwise AND. bitand(10, 8) = 8, bitand(-10, -8) = -16.',
  ),
  binaryOp(
    'bitor',
    (a, b) => a | b,
    (a, b) => a | b,
    'bitor(A, B): bitwise OR. bitor(10, 8) = 10, bitor(-10, -8) = -2.',
  ),
  binaryOp(
    'bitxor',
    (a, b) => a ^ b,
    (a, b) => a ^ b,
    'bitxor(A, B): bitwise XOR. bitxor(10, 8) = 2, bitxor(-10, -8) = 14.',
  ),
  {
    name: 'bitsl',
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => shiftLeft('bitsl', int('bitsl', a), int('bitsl', b, 'shift')),
    doc: 'bitsl(N, S): N shifted left by S bits (right when S < 0). bitsl(8, 2) = 32, bitsl(-8, 2) = -32.',
  },
  {
    name: 'bitsr',
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => {
      const x = int('bitsr', a);
      const s = int('bitsr', b, 'shift');
      return s < 0 ? shiftLeft('bitsr', x, -s) : shiftRight(x, s);
    },
    doc: 'bitsr(N, S): arithmetic shift right (sign-filling). bitsr(8, 2) = 2, bitsr(-8, 2) = -2, bitsr(-8, 6) = -1.',
  },
  {
    name: 'bitsize',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      const b = bitsOf(v);
      if (b === undefined) throw badArg('bitsize', `expected a binary, got ${describe(v)}`);
      return b.bitLength;
    },
    doc: "bitsize(Bin): number of bits; a string counts its UTF-8 bytes. bitsize('abc') = 24, bitsize('你好') = 48.",
  },
  {
    name: 'bytesize',
    minArity: 1,
    maxArity: 1,
    impl: (v) => iolistSize('bytesize', v, 0),
    doc: "bytesize(Bin): number of bytes (UTF-8 for strings; also accepts lists of bytes). bytesize('你好') = 6.",
  },
  {
    name: 'subbits',
    minArity: 2,
    maxArity: 6,
    impl: (...args) => subbits(args),
    doc:
      'subbits(Bin, Len) / subbits(Bin, Start, Len[, Type[, Signedness[, Endianness]]]): reads Len bits from the ' +
      "1-based bit position Start (default 1) as Type 'integer' (default), 'float' (16/32/64 bits) or 'bits' " +
      "(a sub-binary), 'unsigned' (default) or 'signed', 'big' (default) or 'little'. Len is clipped to the " +
      "remaining bits; Start past the end gives undefined. subbits(hexstr2bin('9F4E58'), 1, 16, 'integer', " +
      "'signed', 'big') = -24754; bin2hexstr(subbits(hexstr2bin('9F4E58'), 1, 6, 'bits')) = '27'.",
  },
];
