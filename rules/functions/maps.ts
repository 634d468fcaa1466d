/** Map functions (emqx_rule_funcs + emqx_rule_maps, CE 5.8). Maps are never mutated: puts return copies. */
import { isBinary, isMap, str, type PlainMap } from './args.js';
import { badArg, describe } from './errors.js';
import { jsonDecode, mapKeys } from './json.js';
import { coerceMap } from './map-coerce.js';
import type { FunctionDef } from './types.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** Sets an own data property even for keys like "__proto__". */
function setOwn(m: PlainMap, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
  else m[k] = v;
}

function copyWith(m: PlainMap, k: string, v: unknown): PlainMap {
  const out: PlainMap = { ...m };
  setOwn(out, k, v);
  return out;
}

/** One step of emqx_rule_maps:general_map_get: a string is decoded as JSON first; missing gives undefined. */
function getKey(k: string, data: unknown): unknown {
  let d = data;
  if (isBinary(d)) {
    try {
      d = jsonDecode(d);
    } catch {
      return undefined;
    }
  }
  return isMap(d) && hasOwn.call(d, k) ? d[k] : undefined;
}

function path(fn: string, key: unknown): string[] {
  return str(fn, key, 'key').split('.');
}

function nestedGet(keys: string[], data: unknown, dflt: unknown): unknown {
  let cur = data;
  for (const k of keys) {
    cur = getKey(k, cur);
    if (cur === undefined) return dflt;
  }
  return cur;
}

/**
 * emqx_rule_maps:nested_put: each level that is a map is copied and updated; anything else (a JSON string, a
 * list, a number) is replaced by a new map holding only the written key. A JSON string is only read to find the
 * existing sub-value.
 */
function nestedPut(keys: string[], idx: number, val: unknown, cur: unknown): unknown {
  if (idx === keys.length) return val;
  const k = keys[idx];
  const next = nestedPut(keys, idx + 1, val, getKey(k, cur));
  if (isMap(cur)) return copyWith(cur, k, next);
  const fresh: PlainMap = {};
  setOwn(fresh, k, next);
  return fresh;
}

export const mapFunctions: FunctionDef[] = [
  {
    name: 'map_new',
    minArity: 0,
    maxArity: 0,
    impl: () => ({}),
    doc: 'map_new(): an empty map.',
  },
  {
    name: 'map_get',
    minArity: 2,
    maxArity: 3,
    impl: (key, m, dflt) => nestedGet(path('map_get', key), m, dflt),
    doc:
      "map_get(Key, Map[, Default]): the value at Key, a dotted path ('a.b' reads Map.a.b); Default (else " +
      'undefined) when missing. JSON strings met on the way, Map included, are decoded. A JSON null value is ' +
      "returned as null. map_get('msg', json_decode('{\"msg\": \"hello\"}')) = 'hello'.",
  },
  {
    name: 'map_put',
    minArity: 3,
    maxArity: 3,
    impl: (key, val, m) => nestedPut(path('map_put', key), 0, val, isMap(m) ? m : {}),
    doc:
      'map_put(Key, Value, Map): a copy of Map with Value at the dotted path Key, creating maps on the way. As in ' +
      'EMQX, a Map (or intermediate value) that is not a map, including a JSON string, is replaced by a new map. ' +
      "map_get('b', map_put('b', 1, json_decode('{\"a\": 1}'))) = 1.",
  },
  {
    name: 'mget',
    minArity: 2,
    maxArity: 3,
    impl: (key, m, dflt) => {
      const map = coerceMap('mget', m);
      if (!isBinary(key)) return dflt;
      const k = typeof key === 'string' ? key : key.toString('utf8');
      return hasOwn.call(map, k) ? map[k] : dflt;
    },
    doc:
      "mget(Key, Map[, Default]): the value at the literal key Key (no path: mget('a.b', M) reads the key 'a.b'). " +
      'Map may be a JSON string. The documented list-of-keys form does not work in EMQX 5.8 and gives Default.',
  },
  {
    name: 'mput',
    minArity: 3,
    maxArity: 3,
    impl: (key, val, m) => {
      const map = coerceMap('mput', m);
      if (!isBinary(key)) throw badArg('mput', `key must be a string, got ${describe(key)}`);
      return copyWith(map, typeof key === 'string' ? key : key.toString('utf8'), val);
    },
    doc:
      'mput(Key, Value, Map): a copy of Map with Value at the literal key Key. Map may be a JSON string. ' +
      'rulemq difference: a non-string key raises (EMQX builds a map JSON cannot encode).',
  },
  {
    name: 'map_keys',
    minArity: 1,
    maxArity: 1,
    impl: (m) => mapKeys(coerceMap('map_keys', m)),
    doc:
      'map_keys(Map): the keys, sorted for maps of up to 32 keys as in EMQX (larger maps: insertion order, EMQX ' +
      "uses hash order). Map may be a JSON string. map_keys(json_decode('{\"b\": 1, \"a\": 2}')) = ['a', 'b'].",
  },
  {
    name: 'map_values',
    minArity: 1,
    maxArity: 1,
    impl: (m) => {
      const map = coerceMap('map_values', m);
      return mapKeys(map).map((k) => map[k]);
    },
    doc: 'map_values(Map): the values, in map_keys order. Map may be a JSON string.',
  },
  {
    name: 'map_to_entries',
    minArity: 1,
    maxArity: 1,
    impl: (m) => {
      const map = coerceMap('map_to_entries', m);
      return mapKeys(map).map((k) => ({ key: k, value: map[k] }));
    },
    doc: 'map_to_entries(Map): [{"key": K, "value": V}, ...] in map_keys order. ' + 'map_to_entries(json_decode(\'{"a": 1}\')) = [{"key": "a", "value": 1}].',
  },
  {
    name: 'map_size',
    minArity: 1,
    maxArity: 1,
    impl: (m) => Object.keys(coerceMap('map_size', m)).length,
    doc: 'map_size(Map): the number of keys. Map may be a JSON string; [] counts as an empty map.',
  },
];
