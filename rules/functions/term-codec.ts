/**
 * Erlang External Term Format (version 131) for term_encode/term_decode, limited to the term types rule values can
 * hold: integers, floats, binaries, bitstrings, atoms, lists, tuples (decode only) and maps.
 *
 * Encoding follows OTP 26's term_to_binary: atoms as SMALL_ATOM_UTF8_EXT, lists of bytes as STRING_EXT, small maps
 * with keys in sorted order. Decoding maps Erlang terms onto the rule value model: binaries become strings when they
 * are valid UTF-8 (else Buffers), atoms true/false/null/undefined become the JS values and other atoms their names,
 * tuples become arrays, map keys become strings.
 */
import { isUtf8 } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { anyToStr } from './any-to-str.js';
import { BitString } from './bitstring.js';
import { decompressLimit } from './compression.js';
import { float } from '../../common/numbers.js';
import { FLATMAP_MAX_KEYS, compareKeys } from './json.js';

export class TermCodecError extends Error {}

const VERSION = 131;
const NEW_FLOAT_EXT = 70;
const BIT_BINARY_EXT = 77;
const COMPRESSED = 80;
const SMALL_INTEGER_EXT = 97;
const INTEGER_EXT = 98;
const FLOAT_EXT = 99;
const ATOM_EXT = 100;
const SMALL_TUPLE_EXT = 104;
const LARGE_TUPLE_EXT = 105;
const NIL_EXT = 106;
const STRING_EXT = 107;
const LIST_EXT = 108;
const BINARY_EXT = 109;
const SMALL_BIG_EXT = 110;
const LARGE_BIG_EXT = 111;
const SMALL_ATOM_EXT = 115;
const MAP_EXT = 116;
const ATOM_UTF8_EXT = 118;
const SMALL_ATOM_UTF8_EXT = 119;

class Writer {
  private buf = Buffer.alloc(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function writeAtom(w: Writer, name: string): void {
  const b = Buffer.from(name, 'utf8');
  w.u8(SMALL_ATOM_UTF8_EXT);
  w.u8(b.length);
  w.bytes(b);
}

function writeInteger(w: Writer, n: number): void {
  if (n >= 0 && n <= 255) {
    w.u8(SMALL_INTEGER_EXT);
    w.u8(n);
  } else if (n >= -0x80000000 && n <= 0x7fffffff) {
    w.u8(INTEGER_EXT);
    w.i32(n);
  } else {
    let big = BigInt(n);
    const sign = big < 0n ? 1 : 0;
    if (big < 0n) big = -big;
    const digits: number[] = [];
    while (big > 0n) {
      digits.push(Number(big & 0xffn));
      big >>= 8n;
    }
    w.u8(SMALL_BIG_EXT);
    w.u8(digits.length);
    w.u8(sign);
    w.bytes(Buffer.from(digits));
  }
}

function writeBinary(w: Writer, b: Buffer): void {
  w.u8(BINARY_EXT);
  w.u32(b.length);
  w.bytes(b);
}

function isByteList(l: unknown[]): boolean {
  if (l.length === 0 || l.length > 0xffff) return false;
  for (const x of l) if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) return false;
  return true;
}

function writeTerm(w: Writer, v: unknown, depth: number): void {
  if (depth > 1000) throw new TermCodecError('term nested too deeply');
  switch (typeof v) {
    case 'undefined':
      return writeAtom(w, 'undefined');
    case 'boolean':
      return writeAtom(w, v ? 'true' : 'false');
    case 'number':
      if (!Number.isFinite(v)) throw new TermCodecError(`cannot encode ${v}`);
      if (Number.isInteger(v)) return writeInteger(w, v);
      w.u8(NEW_FLOAT_EXT);
      return w.f64(v);
    case 'string':
      return writeBinary(w, Buffer.from(v, 'utf8'));
    case 'object': {
      if (v === null) return writeAtom(w, 'null');
      if (Buffer.isBuffer(v)) return writeBinary(w, v);
      if (v instanceof Number) {
        w.u8(NEW_FLOAT_EXT);
        return w.f64(v.valueOf());
      }
      if (v instanceof BitString) {
        w.u8(BIT_BINARY_EXT);
        w.u32(v.bytes.length);
        w.u8(v.bitLength % 8 === 0 ? 8 : v.bitLength % 8);
        return w.bytes(v.bytes);
      }
      if (Array.isArray(v)) {
        if (v.length === 0) return w.u8(NIL_EXT);
        if (isByteList(v)) {
          w.u8(STRING_EXT);
          w.u16(v.length);
          return w.bytes(Buffer.from(v as number[]));
        }
        w.u8(LIST_EXT);
        w.u32(v.length);
        for (const x of v) writeTerm(w, x, depth + 1);
        return w.u8(NIL_EXT);
      }
      const m = v as Record<string, unknown>;
      const keys = Object.keys(m);
      if (keys.length <= FLATMAP_MAX_KEYS) keys.sort(compareKeys);
      w.u8(MAP_EXT);
      w.u32(keys.length);
      for (const k of keys) {
        writeBinary(w, Buffer.from(k, 'utf8'));
        writeTerm(w, m[k], depth + 1);
      }
      return;
    }
    default:
      throw new TermCodecError(`cannot encode a ${typeof v}`);
  }
}

/** `term_to_binary/1` of a rule value. */
export function termToBinary(v: unknown): Buffer {
  const w = new Writer();
  w.u8(VERSION);
  writeTerm(w, v, 0);
  return w.result();
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TermCodecError('truncated term');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function atomValue(name: string): unknown {
  switch (name) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    default:
      return name;
  }
}

function binaryValue(b: Buffer): string | Buffer {
  return isUtf8(b) ? b.toString('utf8') : Buffer.from(b);
}

function mapKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (Buffer.isBuffer(k)) return k.toString('utf8');
  return anyToStr(k);
}

function readBig(r: Reader, n: number): number {
  const sign = r.u8();
  const digits = r.take(n);
  let big = 0n;
  for (let i = digits.length - 1; i >= 0; i--) big = (big << 8n) | BigInt(digits[i]);
  return Number(sign ? -big : big);
}

function readTerm(r: Reader, depth: number): unknown {
  if (depth > 1000) throw new TermCodecError('term nested too deeply');
  const tag = r.u8();
  switch (tag) {
    case SMALL_INTEGER_EXT:
      return r.u8();
    case INTEGER_EXT: {
      r.need(4);
      const v = r.buf.readInt32BE(r.pos);
      r.pos += 4;
      return v;
    }
    case SMALL_BIG_EXT:
      return readBig(r, r.u8());
    case LARGE_BIG_EXT:
      return readBig(r, r.u32());
    case NEW_FLOAT_EXT: {
      r.need(8);
      const v = r.buf.readDoubleBE(r.pos);
      r.pos += 8;
      return float(v);
    }
    case FLOAT_EXT: {
      const text = r.take(31).toString('latin1').replace(/\0.*$/, '');
      const v = Number(text);
      if (!Number.isFinite(v)) throw new TermCodecError('bad FLOAT_EXT');
      return float(v);
    }
    case ATOM_EXT:
      return atomValue(r.take(r.u16()).toString('latin1'));
    case SMALL_ATOM_EXT:
      return atomValue(r.take(r.u8()).toString('latin1'));
    case ATOM_UTF8_EXT:
      return atomValue(r.take(r.u16()).toString('utf8'));
    case SMALL_ATOM_UTF8_EXT:
      return atomValue(r.take(r.u8()).toString('utf8'));
    case BINARY_EXT:
      return binaryValue(r.take(r.u32()));
    case BIT_BINARY_EXT: {
      const len = r.u32();
      const bits = r.u8();
      const data = Buffer.from(r.take(len));
      if (bits === 8 || len === 0) return binaryValue(data);
      if (bits < 1 || bits > 8) throw new TermCodecError('bad BIT_BINARY_EXT');
      return new BitString(data, (len - 1) * 8 + bits);
    }
    case NIL_EXT:
      return [];
    case STRING_EXT:
      return Array.from(r.take(r.u16()));
    case LIST_EXT: {
      const n = r.u32();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readTerm(r, depth + 1));
      if (r.u8() !== NIL_EXT) throw new TermCodecError('improper lists are not supported');
      return out;
    }
    case SMALL_TUPLE_EXT:
    case LARGE_TUPLE_EXT: {
      const n = tag === SMALL_TUPLE_EXT ? r.u8() : r.u32();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readTerm(r, depth + 1));
      return out;
    }
    case MAP_EXT: {
      const n = r.u32();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = mapKey(readTerm(r, depth + 1));
        const v = readTerm(r, depth + 1);
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    default:
      throw new TermCodecError(`unsupported term tag ${tag} (pids, ports, references and funs cannot be decoded)`);
  }
}

/** `binary_to_term/1`; trailing bytes after the term are an error, as in Erlang. */
export function binaryToTerm(b: Buffer): unknown {
  if (b.length === 0 || b[0] !== VERSION) throw new TermCodecError('not an external term (version byte 131 missing)');
  let r = new Reader(b);
  r.pos = 1;
  if (b[1] === COMPRESSED) {
    r.pos = 2;
    const size = r.u32();
    let inflated: Buffer;
    const max = decompressLimit().maxOutputLength ?? Infinity;
    // The header states the size: refuse before inflating anything when it is past the ceiling.
    if (size > max) throw new TermCodecError(`compressed term of ${size} bytes exceeds ${max} bytes (the maxDecompressedBytes setting)`);
    try {
      inflated = inflateSync(b.subarray(6), { maxOutputLength: Math.max(1, size) });
    } catch (e) {
      throw new TermCodecError(`bad compressed term: ${(e as Error).message}`);
    }
    if (inflated.length !== size) throw new TermCodecError('compressed term has the wrong size');
    r = new Reader(inflated);
  }
  const v = readTerm(r, 0);
  if (r.pos !== r.buf.length) throw new TermCodecError('extra bytes after the term');
  return v;
}
