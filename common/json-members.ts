/**
 * The top-level members of a JSON object payload, read one key at a time without decoding the rest.
 *
 * A rule such as `SELECT payload.temp, payload.hum` reads two values out of a document it never needs whole.
 * JSON.parse builds every string, number and container of the payload; this index instead validates the bytes in
 * one pass (so a payload that is not JSON is still refused as a whole, exactly where JSON.parse refuses it) and
 * notes where each top-level member's key and value lie. A value is decoded only when asked for, with the same
 * rules as parseJson applies to the whole text, so both ways give the same values:
 * - a string without escapes is sliced from the bytes; one with escapes goes through JSON.parse;
 * - numbers and containers keep their types as parseJson keeps them for the whole payload (see mayNeedTypes:
 *   whether the payload's text holds `.0` decides, so it is looked up in the bytes, once, when first needed).
 *
 * Only an object at the top level is indexed; anything else (an array, a scalar, invalid JSON) gets null from
 * `JsonMembers.of`, and the caller decodes the whole payload as before.
 */
import { parseJsonPart } from './json-parse.js';

/** `get`'s answer for a key the object does not have. */
export const ABSENT: unique symbol = Symbol('rulemq.jsonAbsent');

// Flags of a scanned string.
const ESCAPED = 1;
const NON_ASCII = 2;

// Per member in `spans`: key start (after its quote), key end (its closing quote), key flags,
// value start, value end (exclusive), value flags (strings only).
const STRIDE = 6;

const DOT_ZERO = Buffer.from('.0');

/**
 * Buffer#latin1Slice: what `toString('latin1', start, end)` calls after looking the encoding up, which costs as much
 * as slicing a short key's value. Not in Node's typings, so it is taken from the prototype, with toString as the
 * fallback.
 */
const sliceLatin1: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string }).latin1Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('latin1', start, end);
  };

/** Flags of the last string scanned by scanString (module state: the scanner is synchronous). */
let stringFlags = 0;

export class JsonMembers {
  /** Whether the text holds `.0` (parseJson's cue for keeping number types), looked up on first need. */
  private typed: boolean | undefined;
  /**
   * Decoded values by member, filled on first read: several rules reading the same member decode it once, and a
   * container read twice is the same object (as with one decode of the whole payload).
   */
  private values: unknown[] | undefined;

  private constructor(
    private readonly bytes: Buffer,
    private readonly spans: number[],
  ) {}

  /** The members of `bytes` when they hold a valid JSON document whose top level is an object; else null. */
  static of(bytes: Uint8Array): JsonMembers | null {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const spans: number[] = [];
    return scanObject(buf, spans) ? new JsonMembers(buf, spans) : null;
  }

  /** The value of member `key` (the last one when a key repeats, as JSON.parse keeps), or ABSENT. */
  get(key: string): unknown {
    const spans = this.spans;
    for (let m = spans.length - STRIDE; m >= 0; m -= STRIDE) {
      if (!this.keyIs(m, key)) continue;
      const slot = m / STRIDE;
      // A JSON value is never undefined, so undefined marks a member not read yet.
      const values = this.values;
      if (values === undefined) {
        const v = this.value(m);
        this.values = [];
        this.values[slot] = v;
        return v;
      }
      let v = values[slot];
      if (v === undefined) values[slot] = v = this.value(m);
      return v;
    }
    return ABSENT;
  }

  private keyIs(m: number, key: string): boolean {
    const spans = this.spans;
    const start = spans[m];
    const end = spans[m + 1];
    const b = this.bytes;
    if (spans[m + 2] === 0) {
      if (end - start !== key.length) return false;
      for (let i = 0; i < key.length; i++) if (b[start + i] !== key.charCodeAt(i)) return false;
      return true;
    }
    return decodeString(b, start, end, spans[m + 2]) === key;
  }

  private value(m: number): unknown {
    const spans = this.spans;
    const b = this.bytes;
    const start = spans[m + 3];
    const end = spans[m + 4];
    switch (b[start]) {
      case 0x22 /* " */:
        return decodeString(b, start + 1, end - 1, spans[m + 5]);
      case 0x74 /* t */:
        return true;
      case 0x66 /* f */:
        return false;
      case 0x6e /* n */:
        return null;
      case 0x7b /* { */:
      case 0x5b /* [ */:
        return parseJsonPart(b.toString('utf8', start, end), this.isTyped());
      default: {
        const token = sliceLatin1.call(b, start, end);
        return this.isTyped() ? parseJsonPart(token, true) : Number(token);
      }
    }
  }

  private isTyped(): boolean {
    if (this.typed === undefined) this.typed = this.bytes.indexOf(DOT_ZERO) !== -1;
    return this.typed;
  }
}

/** A string's content between its quotes, `flags` from the scan. */
function decodeString(b: Buffer, start: number, end: number, flags: number): string {
  if (flags === 0) return sliceLatin1.call(b, start, end);
  if ((flags & ESCAPED) === 0) return b.toString('utf8', start, end);
  return JSON.parse(b.toString('utf8', start - 1, end + 1)) as string;
}

function ws(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Validates the whole of `b` as one JSON object, noting its members in `spans`. */
function scanObject(b: Buffer, spans: number[]): boolean {
  const n = b.length;
  let i = ws(b, 0, n);
  if (i >= n || b[i] !== 0x7b) return false;
  i = ws(b, i + 1, n);
  if (i < n && b[i] === 0x7d) return ws(b, i + 1, n) === n;
  for (;;) {
    if (i >= n || b[i] !== 0x22) return false;
    const keyStart = i + 1;
    const keyEnd = scanString(b, keyStart, n);
    if (keyEnd < 0) return false;
    const keyFlags = stringFlags;
    i = ws(b, keyEnd + 1, n);
    if (i >= n || b[i] !== 0x3a /* : */) return false;
    const valueStart = ws(b, i + 1, n);
    stringFlags = 0;
    const valueEnd = skipValue(b, valueStart, n);
    if (valueEnd < 0) return false;
    spans.push(keyStart, keyEnd, keyFlags, valueStart, valueEnd, stringFlags);
    i = ws(b, valueEnd, n);
    if (i >= n) return false;
    const c = b[i];
    if (c === 0x2c /* , */) {
      i = ws(b, i + 1, n);
      continue;
    }
    return c === 0x7d /* } */ && ws(b, i + 1, n) === n;
  }
}

/** From just after an opening quote: the index of the closing quote, or -1. Sets stringFlags. */
function scanString(b: Buffer, i: number, n: number): number {
  let flags = 0;
  while (i < n) {
    // Plain ASCII string bytes, the common case, in one table look-up each.
    while (i < n && PLAIN[b[i]] === 1) i++;
    if (i >= n) break;
    const c = b[i];
    if (c === 0x22) {
      stringFlags = flags;
      return i;
    }
    if (c === 0x5c /* \ */) {
      flags |= ESCAPED;
      if (i + 1 >= n) return -1;
      const e = b[i + 1];
      if (e === 0x75 /* u */) {
        if (i + 5 >= n || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return -1;
        i += 6;
        continue;
      }
      // " \ / b f n r t
      if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      i += 2;
      continue;
    }
    if (c < 0x20) return -1;
    if (c >= 0x80) flags |= NON_ASCII;
    i++;
  }
  return -1;
}

/** 1 for the bytes a string holds as they are: ASCII from 0x20, except `"` and `\\`. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) if (c !== 0x22 && c !== 0x5c) PLAIN[c] = 1;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A number, `true`, `false` or `null` at i: the index after it, or -1. */
function skipScalar(b: Buffer, i: number, n: number): number {
  const c = b[i];
  if (c === 0x74) return i + 3 < n && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65 ? i + 4 : -1;
  if (c === 0x66) return i + 4 < n && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65 ? i + 5 : -1;
  if (c === 0x6e) return i + 3 < n && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c ? i + 4 : -1;
  if (c === 0x2d /* - */) i++;
  if (i >= n) return -1;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (i < n && isDigit(b[i])) i++;
  else return -1;
  if (i < n && b[i] === 0x2e /* . */) {
    i++;
    if (i >= n || !isDigit(b[i])) return -1;
    while (i < n && isDigit(b[i])) i++;
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45) /* e E */) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (i >= n || !isDigit(b[i])) return -1;
    while (i < n && isDigit(b[i])) i++;
  }
  return i;
}

/**
 * Any JSON value at i: the index after it, or -1. Containers are walked without recursion (a stack of the open
 * ones' closing bytes), so nesting depth is bounded by memory, as for JSON.parse, not by the call stack.
 */
function skipValue(b: Buffer, i: number, n: number): number {
  if (i >= n) return -1;
  const first = b[i];
  if (first === 0x22) {
    const end = scanString(b, i + 1, n);
    return end < 0 ? -1 : end + 1;
  }
  if (first !== 0x7b && first !== 0x5b) return skipScalar(b, i, n);
  const closers: number[] = [];
  // At the top of the loop, i is at a value to read (or, in an object, at a member's key).
  let expectKey = false;
  for (;;) {
    if (expectKey) {
      if (i >= n || b[i] !== 0x22) return -1;
      const keyEnd = scanString(b, i + 1, n);
      if (keyEnd < 0) return -1;
      i = ws(b, keyEnd + 1, n);
      if (i >= n || b[i] !== 0x3a) return -1;
      i = ws(b, i + 1, n);
      expectKey = false;
    }
    if (i >= n) return -1;
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      const closer = c === 0x7b ? 0x7d : 0x5d;
      i = ws(b, i + 1, n);
      if (i < n && b[i] === closer) {
        i++;
      } else {
        closers.push(closer);
        expectKey = c === 0x7b;
        continue;
      }
    } else if (c === 0x22) {
      const end = scanString(b, i + 1, n);
      if (end < 0) return -1;
      i = end + 1;
    } else {
      i = skipScalar(b, i, n);
      if (i < 0) return -1;
    }
    // After a value: a comma, or the closing byte of the innermost open container (maybe several in a row).
    for (;;) {
      if (closers.length === 0) return i;
      i = ws(b, i, n);
      if (i >= n) return -1;
      const d = b[i];
      const closer = closers[closers.length - 1];
      if (d === 0x2c) {
        i = ws(b, i + 1, n);
        expectKey = closer === 0x7d;
        break;
      }
      if (d !== closer) return -1;
      closers.pop();
      i++;
    }
  }
}
