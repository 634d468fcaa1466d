/** `emqx_rule_funcs:map/1`: the conversion every map function applies to its map argument. */
import { isMap, type PlainMap } from './args.js';
import { badArg, describe } from './errors.js';
import { jsonDecode } from './json.js';

/**
 * A map stays a map; a string (or Buffer) must hold a JSON object; `[]` is the empty map (EMQX builds maps from
 * lists of 2-tuples, and JSON cannot express tuples, so any other list fails). Everything else throws.
 */
export function coerceMap(fn: string, v: unknown): PlainMap {
  if (isMap(v)) return v;
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    let decoded: unknown;
    try {
      decoded = jsonDecode(v);
    } catch (e) {
      throw badArg(fn, `expected a JSON object, got invalid JSON`, e);
    }
    if (isMap(decoded)) return decoded;
    throw badArg(fn, `expected a JSON object, got ${describe(decoded)}`);
  }
  if (Array.isArray(v) && v.length === 0) return {};
  throw badArg(fn, `expected a map, got ${describe(v)}`);
}
