/**
 * A small protobuf writer and the encoder of rule values into `google.protobuf.Struct` /
 * `google.protobuf.Value` bytes — the payload of a JSON ("HRecord") HStreamDB record.
 *
 * Why hand-written: records are rendered on the publish path (about 1 µs of budget, see
 * docs/performance notes), so we write straight into one reused scratch buffer with no
 * intermediate objects or JSON text. Length prefixes are reserved as one byte and widened in
 * place when a body turns out to be ≥ 128 bytes (rare for IoT records). The encoding is checked
 * against protobufjs' reflection decoder in the tests.
 *
 * Value model (shared with the rule engine): undefined and null → null_value; finite numbers →
 * number_value (a double); NaN/±Infinity → null_value; booleans; strings; Buffer/Uint8Array →
 * their UTF-8 text (invalid bytes become U+FFFD, so the string is always valid UTF-8); arrays →
 * list_value; plain objects → struct_value; Date → ISO-8601 string; bigint → number. A float with an integral
 * value is a `Number` wrapper object (the rule engine's boxed float): a double in a Struct, and `2.0` (not `2`) in
 * JSON text, so a rule's float stays a float; bigint is exact in JSON text.
 */
import { SinkError } from '../errors.js';

/** Struct / Value / ListValue field tags (field number << 3 | wire type). */
export const TAG = {
  STRUCT_FIELDS: 0x0a, // Struct.fields = 1 (map entry, length-delimited)
  ENTRY_KEY: 0x0a, // map entry key = 1
  ENTRY_VALUE: 0x12, // map entry value = 2
  NULL: 0x08, // Value.null_value = 1 (varint)
  NUMBER: 0x11, // Value.number_value = 2 (64-bit)
  STRING: 0x1a, // Value.string_value = 3
  BOOL: 0x20, // Value.bool_value = 4 (varint)
  STRUCT: 0x2a, // Value.struct_value = 5
  LIST: 0x32, // Value.list_value = 6
  LIST_VALUES: 0x0a, // ListValue.values = 1
} as const;

/** Deepest nesting accepted in a value; deeper (or cyclic) values make the row unencodable. */
export const MAX_DEPTH = 64;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    while (n > 127) {
      buf[this.pos++] = (n & 127) | 128;
      n = Math.floor(n / 128);
    }
    buf[this.pos++] = n;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Writes the length prefix and UTF-8 bytes of a string field body. */
  string(s: string): void {
    const n = s.length;
    if (n < 43) {
      // ≤ 126 UTF-8 bytes: the length fits the single reserved byte.
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = start + 1 + buf.write(s, start + 1, 'utf8');
          break;
        }
        buf[p++] = c;
      }
      buf[start] = p - start - 1;
      this.pos = p;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  /** Bytes field body: length prefix + bytes. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  /** Reserves one length byte for a nested message; returns its position for `end`. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Patches the length reserved by `begin`, widening the prefix in place when needed. */
  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let n = len;
    while (n > 127) {
      this.buf[p++] = (n & 127) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[p] = n;
  }

  /** A copy of what was written since the last reset. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

export function varintSize(n: number): number {
  let size = 1;
  while (n > 127) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

function bytesToText(b: Uint8Array): string {
  return Buffer.isBuffer(b) ? b.toString('utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** Writes the body of a `google.protobuf.Value` (no tag or length) for any rule value. */
export function writeValue(w: ProtoWriter, v: unknown, depth = 0): void {
  switch (typeof v) {
    case 'string':
      w.byte(TAG.STRING);
      w.string(v);
      return;
    case 'number':
      if (Number.isFinite(v)) {
        w.byte(TAG.NUMBER);
        w.double(v);
      } else {
        w.byte(TAG.NULL);
        w.byte(0);
      }
      return;
    case 'boolean':
      w.byte(TAG.BOOL);
      w.byte(v ? 1 : 0);
      return;
    case 'bigint':
      writeValue(w, Number(v), depth);
      return;
    case 'undefined':
      w.byte(TAG.NULL);
      w.byte(0);
      return;
    case 'object': {
      if (v === null) {
        w.byte(TAG.NULL);
        w.byte(0);
        return;
      }
      if (depth >= MAX_DEPTH) throw tooDeep();
      if (isBytes(v)) {
        w.byte(TAG.STRING);
        w.string(bytesToText(v));
        return;
      }
      if (v instanceof Number) {
        writeValue(w, v.valueOf(), depth);
        return;
      }
      if (Array.isArray(v)) {
        w.byte(TAG.LIST);
        const at = w.begin();
        for (let i = 0; i < v.length; i++) {
          w.byte(TAG.LIST_VALUES);
          const vat = w.begin();
          writeValue(w, v[i], depth + 1);
          w.end(vat);
        }
        w.end(at);
        return;
      }
      if (v instanceof Date) {
        w.byte(TAG.STRING);
        w.string(Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString());
        return;
      }
      w.byte(TAG.STRUCT);
      const at = w.begin();
      writeStructFields(w, v as Record<string, unknown>, depth + 1);
      w.end(at);
      return;
    }
    default:
      // functions and symbols are not rule values; write their text rather than fail the row.
      w.byte(TAG.STRING);
      w.string(String(v));
  }
}

/** Writes the entries of a Struct (the Struct body) for a plain object. */
export function writeStructFields(w: ProtoWriter, obj: Record<string, unknown>, depth = 0): void {
  if (depth >= MAX_DEPTH) throw tooDeep();
  for (const key of Object.keys(obj)) {
    w.byte(TAG.STRUCT_FIELDS);
    const at = w.begin();
    w.byte(TAG.ENTRY_KEY);
    w.string(key);
    w.byte(TAG.ENTRY_VALUE);
    const vat = w.begin();
    writeValue(w, obj[key], depth);
    w.end(vat);
    w.end(at);
  }
}

/** JSON text for a rule value, with the same value model as writeValue (undefined → null). */
export function jsonText(v: unknown, depth = 0): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= MAX_DEPTH) throw tooDeep();
      if (isBytes(v)) return JSON.stringify(bytesToText(v));
      if (v instanceof Number) return floatText(v.valueOf());
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + jsonText(v[i], depth + 1);
        return `${out}]`;
      }
      if (v instanceof Date) return JSON.stringify(Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString());
      let out = '{';
      let first = true;
      for (const key of Object.keys(v)) {
        out += `${(first ? '' : ',') + JSON.stringify(key)}:${jsonText((v as Record<string, unknown>)[key], depth + 1)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return JSON.stringify(String(v));
  }
}

/**
 * Text of a value inside a text template or a JSON string literal: strings as they are, bytes as
 * UTF-8, numbers in JS notation, objects and arrays as JSON, null as 'null', and a missing
 * value (undefined) as '' — EMQX writes the word 'undefined' here; we deliberately do not.
 */
export function toText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'undefined':
      return '';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      if (v === null) return 'null';
      if (isBytes(v)) return bytesToText(v);
      return jsonText(v);
    default:
      return String(v);
  }
}

/** A boxed (integral) float as JSON: 2.0, -0.0, 1e+21; not finite → null. */
function floatText(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return s.indexOf('e') < 0 ? `${s}.0` : s;
}

function tooDeep(): SinkError {
  return new SinkError('SINK_RECORD_UNENCODABLE', `value nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
}
