/**
 * Compiled record and partition-key templates.
 *
 * A JSON-shaped template (see template-parse.ts) substitutes each `${path}` as a JSON *value*:
 * strings are quoted and escaped, numbers stay numbers, booleans stay booleans, objects and arrays
 * nest, Buffers become their UTF-8 text, a missing value becomes null. Inside a string literal the
 * value's text is escaped into the string. Whatever the values contain (quotes, backslashes,
 * braces, newlines, U+2028, '${x}'), the result is a valid record with exactly the template's keys.
 *
 * Paths: `${a}`, `${a.b.c}`, `${.}` (the whole row). When a path walks into a string or Buffer
 * (`${payload.x.y}` with a JSON payload), that value is JSON-decoded first, as EMQX does; the
 * decoded value is shared by the placeholders of one render.
 *
 * Text templates (and partition keys) render each value with toText(): a missing value renders
 * as '' (EMQX writes 'undefined').
 */
import { SinkError } from '../errors.js';
import { ProtoWriter, TAG, isBytes, jsonText, toText, writeStructFields, writeValue } from './struct.js';
import { parseJson } from '../../common/json-parse.js';
import { parseJsonTemplate, parseText, type JsonNode, type Part, type Path } from './template-parse.js';
import type { RecordFormat } from './config.js';

type Row = Readonly<Record<string, unknown>>;

let lastSource: unknown;
let lastDecoded: unknown;

/** JSON-decodes a string or Buffer met inside a path; undefined when it is not JSON. */
function decodeNested(v: string | Uint8Array): unknown {
  if (v === lastSource) return lastDecoded;
  let out: unknown;
  try {
    // parseJson keeps a payload's 2.0 a float (a boxed Number), so `${payload.t}` renders 2.0 as the rule would.
    out = parseJson(typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
  } catch {
    out = undefined;
  }
  lastSource = v;
  lastDecoded = out;
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Reads a path from a row; own properties only (no `${constructor}` surprises). */
export function lookup(row: Row, path: Path): unknown {
  let cur: unknown = row;
  for (let i = 0; i < path.length; i++) {
    if (i > 0 && (typeof cur === 'string' || isBytes(cur))) cur = decodeNested(cur);
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || isBytes(cur)) return undefined;
    const seg = path[i];
    if (!hasOwn.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function renderParts(parts: readonly Part[], row: Row): string {
  if (parts.length === 1) {
    const p = parts[0];
    return typeof p === 'string' ? p : toText(lookup(row, p.path));
  }
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : toText(lookup(row, p.path));
  return out;
}

/** A template rendered as text (partition keys, non-JSON record templates). */
export interface TextTemplate {
  readonly source: string;
  render(row: Row): string;
  /** The path when the template is exactly one placeholder (lets RAW records keep Buffers as bytes). */
  readonly single?: Path;
}

export function compileTextTemplate(source: string): TextTemplate {
  const parts = parseText(source);
  if (parts.length === 0) return { source, render: () => '' };
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const path = parts[0].path;
    return { source, single: path, render: (row) => toText(lookup(row, path)) };
  }
  if (parts.length === 1) {
    const text = parts[0] as string;
    return { source, render: () => text };
  }
  return { source, render: (row) => renderParts(parts, row) };
}

type StructFn = (w: ProtoWriter, row: Row) => void;
type TextFn = (row: Row) => string;

const isConst = (n: JsonNode): boolean =>
  n.kind === 'const' ||
  (n.kind === 'array' && n.items.every(isConst)) ||
  (n.kind === 'object' && n.entries.every((e) => e.key.every((p) => typeof p === 'string') && isConst(e.value)));

function constValue(n: JsonNode): unknown {
  switch (n.kind) {
    case 'const':
      return n.value;
    case 'array':
      return n.items.map(constValue);
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) o[e.key.join('')] = constValue(e.value);
      return o;
    }
    default:
      throw new Error(`not a constant: ${n.kind}`);
  }
}

function encodeOnce(fn: (w: ProtoWriter) => void): Buffer {
  const w = new ProtoWriter(256);
  fn(w);
  return w.take();
}

/** Compiles a node into a writer of a Value body. */
function structValueFn(n: JsonNode): StructFn {
  if (isConst(n)) {
    const bytes = encodeOnce((w) => writeValue(w, constValue(n)));
    return (w) => w.raw(bytes);
  }
  switch (n.kind) {
    case 'var': {
      const path = n.path;
      return (w, row) => writeValue(w, lookup(row, path));
    }
    case 'interp': {
      const parts = n.parts;
      return (w, row) => {
        w.byte(TAG.STRING);
        w.string(renderParts(parts, row));
      };
    }
    case 'array': {
      const items = n.items.map(structValueFn);
      return (w, row) => {
        w.byte(TAG.LIST);
        const at = w.begin();
        for (const item of items) {
          w.byte(TAG.LIST_VALUES);
          const vat = w.begin();
          item(w, row);
          w.end(vat);
        }
        w.end(at);
      };
    }
    case 'object': {
      const fields = structFieldsFn(n);
      return (w, row) => {
        w.byte(TAG.STRUCT);
        const at = w.begin();
        fields(w, row);
        w.end(at);
      };
    }
    case 'const':
      throw new Error('unreachable');
  }
}

/** Compiles an object node into a writer of Struct entries; runs of constant entries are pre-encoded. */
function structFieldsFn(n: Extract<JsonNode, { kind: 'object' }>): StructFn {
  const steps: StructFn[] = [];
  let constRun: Buffer[] = [];
  const flushConst = (): void => {
    if (constRun.length === 0) return;
    const bytes = Buffer.concat(constRun);
    constRun = [];
    steps.push((w) => w.raw(bytes));
  };
  for (const e of n.entries) {
    const staticKey = e.key.every((p) => typeof p === 'string') ? e.key.join('') : undefined;
    if (staticKey !== undefined && isConst(e.value)) {
      const value = constValue(e.value);
      constRun.push(encodeOnce((w) => writeStructFields(w, { [staticKey]: value })));
      continue;
    }
    flushConst();
    const valueFn = structValueFn(e.value);
    if (staticKey !== undefined) {
      const prefix = encodeOnce((w) => {
        w.byte(TAG.ENTRY_KEY);
        w.string(staticKey);
        w.byte(TAG.ENTRY_VALUE);
      });
      steps.push((w, row) => {
        w.byte(TAG.STRUCT_FIELDS);
        const at = w.begin();
        w.raw(prefix);
        const vat = w.begin();
        valueFn(w, row);
        w.end(vat);
        w.end(at);
      });
    } else {
      const keyParts = e.key;
      steps.push((w, row) => {
        w.byte(TAG.STRUCT_FIELDS);
        const at = w.begin();
        w.byte(TAG.ENTRY_KEY);
        w.string(renderParts(keyParts, row));
        w.byte(TAG.ENTRY_VALUE);
        const vat = w.begin();
        valueFn(w, row);
        w.end(vat);
        w.end(at);
      });
    }
  }
  flushConst();
  if (steps.length === 1) return steps[0];
  return (w, row) => {
    for (let i = 0; i < steps.length; i++) steps[i](w, row);
  };
}

/** Compiles a node into a JSON-text renderer with the same value model as the Struct writer. */
function jsonTextFn(n: JsonNode): TextFn {
  if (isConst(n)) {
    const text = jsonText(constValue(n));
    return () => text;
  }
  switch (n.kind) {
    case 'var': {
      const path = n.path;
      return (row) => jsonText(lookup(row, path));
    }
    case 'interp': {
      const parts = n.parts;
      return (row) => JSON.stringify(renderParts(parts, row));
    }
    case 'array': {
      const items = n.items.map(jsonTextFn);
      return (row) => `[${items.map((f) => f(row)).join(',')}]`;
    }
    case 'object': {
      const entries = n.entries.map((e) => {
        const staticKey = e.key.every((p) => typeof p === 'string') ? JSON.stringify(e.key.join('')) : undefined;
        const keyParts = e.key;
        const value = jsonTextFn(e.value);
        return (row: Row) => `${staticKey ?? JSON.stringify(renderParts(keyParts, row))}:${value(row)}`;
      });
      return (row) => `{${entries.map((f) => f(row)).join(',')}}`;
    }
    case 'const':
      throw new Error('unreachable');
  }
}

/** How a record template turns a row into an HStreamRecord payload. */
export type RecordMode =
  | 'struct' // JSON-shaped object template → Struct bytes (flag JSON)
  | 'parse-json' // record_format = json, template not an object: render, decode, require an object (flag JSON)
  | 'json-text' // JSON-shaped template written as JSON text (flag RAW)
  | 'text'; // text template (flag RAW)

export interface RecordTemplate {
  readonly source: string;
  readonly mode: RecordMode;
  /** HStreamRecordHeader.flag: 0 = JSON (HRecord), 1 = RAW. */
  readonly flag: 0 | 1;
  /** Writes the HStreamRecord `payload` field (tag, length, body). Throws SinkError when unencodable. */
  writePayload(w: ProtoWriter, row: Row): void;
}

const PAYLOAD_TAG = 0x12; // HStreamRecord.payload = 2

export function compileRecordTemplate(source: string, format: RecordFormat): RecordTemplate {
  const node = parseJsonTemplate(source);
  const jsonShaped = node !== undefined && node.kind !== 'var';
  if (jsonShaped && node.kind === 'object' && format !== 'raw') {
    const fields = structFieldsFn(node);
    return {
      source,
      mode: 'struct',
      flag: 0,
      writePayload(w, row) {
        w.byte(PAYLOAD_TAG);
        const at = w.begin();
        fields(w, row);
        w.end(at);
      },
    };
  }
  const text = compileTextTemplate(source);
  const asText: TextFn = jsonShaped ? jsonTextFn(node) : (row) => text.render(row);
  if (format === 'json') {
    const single = !jsonShaped ? text.single : undefined;
    return {
      source,
      mode: 'parse-json',
      flag: 0,
      writePayload(w, row) {
        let value: unknown = single ? lookup(row, single) : undefined;
        if (value === null || typeof value !== 'object' || isBytes(value) || Array.isArray(value)) {
          const rendered = typeof value === 'string' ? value : single && isBytes(value) ? toText(value) : asText(row);
          try {
            value = JSON.parse(rendered);
          } catch {
            throw new SinkError('SINK_RECORD_UNENCODABLE', 'record_format = json but the rendered record is not JSON');
          }
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new SinkError('SINK_RECORD_UNENCODABLE', 'record_format = json but the rendered record is not a JSON object');
        }
        w.byte(PAYLOAD_TAG);
        const at = w.begin();
        writeStructFields(w, value as Record<string, unknown>);
        w.end(at);
      },
    };
  }
  if (jsonShaped) {
    return {
      source,
      mode: 'json-text',
      flag: 1,
      writePayload(w, row) {
        w.byte(PAYLOAD_TAG);
        w.string(asText(row));
      },
    };
  }
  const single = text.single;
  return {
    source,
    mode: 'text',
    flag: 1,
    writePayload(w, row) {
      w.byte(PAYLOAD_TAG);
      if (single) {
        const v = lookup(row, single);
        if (isBytes(v)) {
          w.bytes(v); // binary payloads stay byte-exact
          return;
        }
        w.string(toText(v));
        return;
      }
      w.string(text.render(row));
    },
  };
}
