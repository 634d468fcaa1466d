/**
 * JSON as EMQX 5.8 produces and reads it (jiffy through emqx_utils_json).
 *
 * Encoding is compact. Erlang maps of up to 32 keys are stored sorted, and jiffy walks them backwards, so small maps
 * come out in REVERSE sorted key order: `{"a":1,"b":2}` encodes as `{"b":2,"a":1}`. Larger maps come out in hash
 * order in EMQX, which we cannot reproduce; we keep insertion order for them.
 */
import { atomText } from './atom.js';
import { BitString } from './bitstring.js';
import { parseJson } from '../../common/json-parse.js';
import { floatJson, isBoxedFloat } from '../../common/numbers.js';
import { integerText } from '../../common/erlang-float.js';

/** Erlang flatmaps (sorted keys) hold at most this many keys; larger maps iterate in hash order. */
export const FLATMAP_MAX_KEYS = 32;

/** Orders strings as Erlang orders binaries: by UTF-8 bytes, i.e. by code point (not by UTF-16 unit). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (supplementary planes) must sort above U+E000..U+FFFF, as they do in UTF-8.
      if (ca >= 0xd800) ca += ca <= 0xdfff ? 0x2000 : -0x800;
      if (cb >= 0xd800) cb += cb <= 0xdfff ? 0x2000 : -0x800;
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** Keys in the order EMQX iterates a map decoded from JSON: sorted when small, insertion order otherwise. */
export function mapKeys(m: Record<string, unknown>): string[] {
  const keys = Object.keys(m);
  return keys.length <= FLATMAP_MAX_KEYS ? sortKeys(keys) : keys;
}

/** Characters that make JSON.stringify escape a string, or that need compareKeys' surrogate handling. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const NON_BMP_ORDER = /[\ud800-\uffff]/;

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Sorts keys ascending in Erlang binary order; the native sort agrees unless a key has a char >= U+D800. */
function sortKeys(keys: string[]): string[] {
  for (const k of keys) if (NON_BMP_ORDER.test(k)) return keys.sort(compareKeys);
  return keys.sort();
}

/** Thrown by the encoder for values JSON cannot carry; callers wrap it into their function's error. */
export class JsonEncodeError extends Error {}

/** Encodes like `emqx_utils_json:encode/1`. `undefined` (an atom in EMQX) becomes the string "undefined". */
export function emqxJsonEncode(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      if (!Number.isFinite(v)) throw new JsonEncodeError(`cannot encode ${v}`);
      return Number.isInteger(v) ? integerText(v) : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return '"undefined"';
    case 'bigint':
      return v.toString();
    case 'symbol':
      return quote(atomText(v));
    case 'object': {
      if (v === null) return 'null';
      if (Buffer.isBuffer(v)) return quote(v.toString('utf8'));
      if (isBoxedFloat(v)) return floatJson(v.valueOf());
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + emqxJsonEncode(v[i]);
        return `${out}]`;
      }
      if (v instanceof BitString) throw new JsonEncodeError('cannot encode a bitstring');
      const m = v as Record<string, unknown>;
      const keys = Object.keys(m);
      if (keys.length <= FLATMAP_MAX_KEYS) sortKeys(keys).reverse();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        out += `${(i === 0 ? '' : ',') + quote(keys[i])}:${emqxJsonEncode(m[keys[i]])}`;
      }
      return `${out}}`;
    }
    default:
      throw new JsonEncodeError(`cannot encode a ${typeof v}`);
  }
}

/** Decodes JSON text (string or UTF-8 bytes); throws SyntaxError on bad JSON. Top-level scalars are allowed. */
export function jsonDecode(v: string | Buffer): unknown {
  return parseJson(typeof v === 'string' ? v : v.toString('utf8'), true);
}
