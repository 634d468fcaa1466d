/** String functions that build or consume lists: split, tokens, concat, join_to_*, map_to_redis_hset_args. */
import { isBinary, isMap, list, option, str } from './args.js';
import { toStr } from './conversion.js';
import { floatToDecimalsCompact, integerText } from '../../common/erlang-float.js';
import { indexOfCluster, lastIndexOfCluster } from './graphemes.js';
import { emqxJsonEncode, jsonDecode, mapKeys } from './json.js';
import { isNumber } from '../../common/numbers.js';
import type { FunctionDef } from './types.js';

const SPLIT_MODES = ['notrim', 'leading', 'leading_notrim', 'trailing', 'trailing_notrim'] as const;

/** `string:split/3` with `all`, `leading` or `trailing` (plain separator text on grapheme boundaries). */
function splitText(s: string, sep: string, where: 'all' | 'leading' | 'trailing'): string[] {
  if (sep === '') return [s];
  if (where !== 'all') {
    const i = where === 'leading' ? indexOfCluster(s, sep, 0) : lastIndexOfCluster(s, sep);
    return i < 0 ? [s] : [s.slice(0, i), s.slice(i + sep.length)];
  }
  const out: string[] = [];
  let from = 0;
  for (let i = indexOfCluster(s, sep, 0); i >= 0; i = indexOfCluster(s, sep, from)) {
    out.push(s.slice(from, i));
    from = i + sep.length;
  }
  out.push(s.slice(from));
  return out;
}

function nonEmpty(parts: string[]): string[] {
  return parts.filter((p) => p !== '');
}

/**
 * `string:lexemes/2` over the bytes of S: any listed character separates, runs of separators count once, no empty
 * parts. CRLF is one character that none of the listed characters equals, so only 'nocrlf' splits at it.
 */
function tokens(s: string, seps: string, noCrlf: boolean): string[] {
  const set = new Set<number>();
  for (const ch of seps) set.add(ch.codePointAt(0)!);
  if (noCrlf) {
    set.add(13);
    set.add(10);
  }
  const out: string[] = [];
  let start = -1;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    let width = cp > 0xffff ? 2 : 1;
    let isSep: boolean;
    if (cp === 13 && s.charCodeAt(i + 1) === 10) {
      width = 2;
      isSep = noCrlf;
    } else isSep = set.has(cp);
    if (isSep) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
    i += width;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** `emqx_utils_sql:escape_sql/1` quoting: backslash-escape \ and ', wrap in single quotes. */
function quoteSql(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

/** One item of join_to_sql_values_string: NULL, a bare number, or a quoted and escaped string. */
function sqlValue(v: unknown): string {
  if (v === undefined) return 'NULL';
  if (isNumber(v)) return toStr('join_to_sql_values_string', v);
  if (Array.isArray(v) || isMap(v)) return quoteSql(emqxJsonEncode(v));
  return quoteSql(toStr('join_to_sql_values_string', v));
}

/** A field value for Redis HSET: strings as is, numbers (floats with 6 decimals compact), booleans; else dropped. */
function redisValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' && Number.isFinite(v)) {
    return Number.isInteger(v) ? integerText(v) : floatToDecimalsCompact(v, 6);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Number) return floatToDecimalsCompact(v.valueOf(), 6);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

function joinToString(sep: string, items: unknown[]): string {
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : sep) + toStr('join_to_string', items[i]);
  return out;
}

export const stringListFunctions: FunctionDef[] = [
  {
    name: 'split',
    minArity: 2,
    maxArity: 3,
    impl: function (s: unknown, p: unknown, mode?: unknown) {
      const text = str('split', s);
      const sep = str('split', p, 'separator');
      if (arguments.length < 3) return nonEmpty(splitText(text, sep, 'all'));
      switch (option('split', mode, SPLIT_MODES)) {
        case 'notrim':
          return splitText(text, sep, 'all');
        case 'leading':
          return nonEmpty(splitText(text, sep, 'leading'));
        case 'leading_notrim':
          return splitText(text, sep, 'leading');
        case 'trailing':
          return nonEmpty(splitText(text, sep, 'trailing'));
        default:
          return splitText(text, sep, 'trailing');
      }
    },
    doc:
      'split(S, Sep[, Mode]): splits at the whole separator text. By default at every occurrence, dropping empty ' +
      "parts: split('a;;b;;c', ';') = ['a','b','c']. Modes: 'notrim' keeps empty parts; 'leading' / 'trailing' " +
      "split at the first / last occurrence only (empty parts dropped); 'leading_notrim' / 'trailing_notrim' keep " +
      "them: split(';a;b;c', ';', 'leading_notrim') = ['', 'a;b;c'].",
  },
  {
    name: 'tokens',
    minArity: 2,
    maxArity: 3,
    impl: function (s: unknown, seps: unknown, nocrlf?: unknown) {
      const noCrlf = arguments.length >= 3 && option('tokens', nocrlf, ['nocrlf']) === 'nocrlf';
      return tokens(str('tokens', s), str('tokens', seps, 'separators'), noCrlf);
    },
    doc:
      "tokens(S, Chars[, 'nocrlf']): splits at any of the characters in Chars; runs of separators count once and " +
      "no empty parts are returned: tokens('a,b;c,d', ',;') = ['a','b','c','d']. 'nocrlf' also splits at \\r, \\n " +
      'and \\r\\n.',
  },
  {
    name: 'concat',
    minArity: 1,
    maxArity: 2,
    impl: function (a: unknown, b?: unknown) {
      if (arguments.length >= 2) return toStr('concat', a) + toStr('concat', b);
      return joinToString('', list('concat', a));
    },
    doc: "concat(A, B) or concat([A, B, ...]): joins the str() of each value. concat('Name:', 'John') = 'Name:John', " + "concat(['a', 1, true]) = 'a1true'.",
  },
  {
    name: 'join_to_string',
    minArity: 1,
    maxArity: 2,
    impl: function (a: unknown, b?: unknown) {
      if (arguments.length < 2) return joinToString(', ', list('join_to_string', a));
      return joinToString(str('join_to_string', a, 'separator'), list('join_to_string', b));
    },
    doc: "join_to_string([Sep,] List): the str() of each element joined with Sep (default ', '). " + "join_to_string(', ', ['a', 'b', 'c']) = 'a, b, c'.",
  },
  {
    name: 'join_to_sql_values_string',
    minArity: 1,
    maxArity: 1,
    impl: (l) => list('join_to_sql_values_string', l).map(sqlValue).join(', '),
    doc:
      "join_to_sql_values_string(List): the elements as SQL literals joined by ', ': numbers bare, undefined as " +
      "NULL, strings and true/false/null quoted with \\ and ' backslash-escaped, maps and lists as quoted JSON. " +
      "join_to_sql_values_string([1, 'a', [1,2]]) = \"1, 'a', '[1,2]'\". 5.6+.",
  },
  {
    name: 'map_to_redis_hset_args',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      let m: unknown = v;
      if (isBinary(v)) {
        try {
          m = jsonDecode(v);
        } catch {
          m = undefined;
        }
      }
      const out: string[] = ['map_to_redis_hset_args'];
      if (!isMap(m)) return out;
      // EMQX folds the (sorted) map and prepends each pair, so the fields come out in reverse key order.
      const keys = mapKeys(m);
      for (let i = keys.length - 1; i >= 0; i--) {
        const value = redisValue(m[keys[i]]);
        if (value !== undefined) out.push(keys[i], value);
      }
      return out;
    },
    doc:
      "map_to_redis_hset_args(Map): ['map_to_redis_hset_args', K1, V1, K2, V2, ...] for a Redis HSET command " +
      'template. A JSON string is decoded first; invalid JSON or a non-map gives just the head. Values: strings, ' +
      'integers, floats (6 decimals, compact), booleans; other values are dropped. Small maps come out in reverse ' +
      'key order ({a:1, b:2} gives b 2 a 1). 5.7.1+.',
  },
];
