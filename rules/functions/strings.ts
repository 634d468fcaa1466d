/** String functions (emqx_variform_bif via emqx_rule_funcs, CE 5.8): case, trimming, slicing, padding, searching. */
import { int, isBinary, option, str } from './args.js';
import { badArg } from './errors.js';
import { graphemeCount, graphemes, graphemeSlice, indexOfCluster, isErlangWhitespace, lastIndexOfCluster } from './graphemes.js';
import type { FunctionDef } from './types.js';

function trimLeft(s: string, isWs: (c: number) => boolean): string {
  let i = 0;
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

function trimRight(s: string, isWs: (c: number) => boolean): string {
  let j = s.length;
  while (j > 0 && isWs(s.charCodeAt(j - 1))) j--;
  return j === s.length ? s : s.slice(0, j);
}

function reverseClusters(s: string): string {
  const g = graphemes(s);
  let out = '';
  for (let i = g.length - 1; i >= 0; i--) out += g[i];
  return out;
}

const PAD_DIRS = ['trailing', 'leading', 'both'] as const;
const FIND_DIRS = ['leading', 'trailing'] as const;
const REPLACE_MODES = ['all', 'leading', 'trailing'] as const;

/** `string:pad/4`: the pad text counts as one character however long it is (pad('abc', 5, 'leading', 'ex') = 'exexabc'). */
function pad(s: string, len: number, dir: string, padText: string): string {
  const n = len - graphemeCount(s);
  if (n <= 0) return s;
  if (dir === 'trailing') return s + padText.repeat(n);
  if (dir === 'leading') return padText.repeat(n) + s;
  const left = n >> 1;
  return padText.repeat(left) + s + padText.repeat(n - left);
}

/** `string:replace/4` (the pattern is plain text, matched on grapheme boundaries; '' matches nothing). */
export function replaceText(s: string, p: string, r: string, mode: string): string {
  if (p === '') return s;
  if (mode === 'all') {
    let out = '';
    let from = 0;
    for (let i = indexOfCluster(s, p, 0); i >= 0; i = indexOfCluster(s, p, from)) {
      out += s.slice(from, i) + r;
      from = i + p.length;
    }
    return from === 0 ? s : out + s.slice(from);
  }
  const i = mode === 'leading' ? indexOfCluster(s, p, 0) : lastIndexOfCluster(s, p);
  return i < 0 ? s : s.slice(0, i) + r + s.slice(i + p.length);
}

/** Escapes understood by unescape/1 besides \xH... */
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  "'": "'",
  '"': '"',
  '?': '?',
  a: '\x07',
};

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function unescapeText(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      // A trailing lone backslash is kept, as in EMQX.
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (e === 'x' && i + 2 < s.length && isHexDigit(s.charCodeAt(i + 2))) {
      let j = i + 2;
      while (j < s.length && isHexDigit(s.charCodeAt(j))) j++;
      const code = parseInt(s.slice(i + 2, j), 16);
      if (!(code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        throw badArg('unescape', `invalid unicode character \\x${s.slice(i + 2, j)}`);
      }
      out += String.fromCodePoint(code);
      i = j;
      continue;
    }
    const seq = String.fromCodePoint(s.codePointAt(i + 1)!);
    throw badArg('unescape', `unrecognized escape sequence \\${seq}`);
  }
  return out;
}

export const stringFunctions: FunctionDef[] = [
  {
    name: 'lower',
    minArity: 1,
    maxArity: 1,
    impl: (s) => str('lower', s).toLowerCase(),
    doc: "lower(S): lower case (Unicode). lower('Hello') = 'hello'.",
  },
  {
    name: 'upper',
    minArity: 1,
    maxArity: 1,
    impl: (s) => str('upper', s).toUpperCase(),
    doc: "upper(S): upper case (Unicode). upper('hello') = 'HELLO'.",
  },
  {
    name: 'trim',
    minArity: 1,
    maxArity: 1,
    impl: (s) => trimRight(trimLeft(str('trim', s), isErlangWhitespace), isErlangWhitespace),
    doc:
      'trim(S): removes leading and trailing whitespace (\\t \\n \\v \\f \\r, space, U+0085, U+200E, U+200F, U+2028, ' +
      "U+2029; CRLF counts as one character). trim('\\t  hello \\r\\n') = 'hello'. No-break space is not whitespace.",
  },
  {
    name: 'ltrim',
    minArity: 1,
    maxArity: 1,
    impl: (s) => trimLeft(str('ltrim', s), isErlangWhitespace),
    doc: 'ltrim(S): trim(S) on the left side only.',
  },
  {
    name: 'rtrim',
    minArity: 1,
    maxArity: 2,
    impl: function (s: unknown, chars?: unknown) {
      const text = str('rtrim', s);
      if (arguments.length < 2) return trimRight(text, isErlangWhitespace);
      const set = new Set(Array.from(str('rtrim', chars, 'characters'), (ch) => ch.codePointAt(0)!));
      const cps = Array.from(text);
      let k = cps.length;
      while (k > 0 && set.has(cps[k - 1].codePointAt(0)!)) k--;
      return k === cps.length ? text : cps.slice(0, k).join('');
    },
    doc:
      'rtrim(S[, Chars]): trim(S) on the right side only. rtrim(S, Chars) removes trailing characters listed in ' +
      "Chars: rtrim('a,,', ',') = 'a'. rulemq difference: EMQX's rtrim/2 always raises (it passes a binary where " +
      'Erlang wants a character list).',
  },
  {
    name: 'reverse',
    minArity: 1,
    maxArity: 1,
    impl: (s) => reverseClusters(str('reverse', s)),
    doc: "reverse(S): characters in reverse order (grapheme clusters kept whole). reverse('hello') = 'olleh'.",
  },
  {
    name: 'strlen',
    minArity: 1,
    maxArity: 1,
    impl: (s) => graphemeCount(str('strlen', s)),
    doc: "strlen(S): number of characters (grapheme clusters, so '\\r\\n' is 1). strlen('你好') = 2.",
  },
  {
    name: 'substr',
    minArity: 2,
    maxArity: 3,
    impl: function (s: unknown, start: unknown, len?: unknown) {
      const text = str('substr', s);
      const from = int('substr', start, 'start');
      if (from < 0) throw badArg('substr', `start must be >= 0, got ${from}`);
      if (arguments.length < 3) return graphemeSlice(text, from, undefined);
      const n = int('substr', len, 'length');
      if (n < 0) throw badArg('substr', `length must be >= 0, got ${n}`);
      return graphemeSlice(text, from, n);
    },
    doc:
      'substr(S, Start[, Len]): substring from the 0-based character position Start, at most Len characters. ' +
      "substr('hello world', 6) = 'world', substr('hello world!', 6, 5) = 'world'. Negative Start or Len raises.",
  },
  {
    name: 'pad',
    minArity: 2,
    maxArity: 4,
    impl: function (s: unknown, len: unknown, dir?: unknown, ch?: unknown) {
      const text = str('pad', s);
      const n = int('pad', len, 'length');
      const d = arguments.length < 3 ? 'trailing' : option('pad', dir, PAD_DIRS);
      const padText = arguments.length < 4 ? ' ' : str('pad', ch, 'pad character');
      return pad(text, n, d, padText);
    },
    doc:
      "pad(S, Len[, 'trailing'|'leading'|'both'[, Char]]): pads S to Len characters with spaces or Char (Char is " +
      "repeated whole, however long). 'both' puts the odd extra on the right: pad('hello', 8, 'both') = ' hello  '; " +
      "pad('hello', 8, 'trailing', 'abc') = 'helloabcabcabc'.",
  },
  {
    name: 'replace',
    minArity: 3,
    maxArity: 4,
    impl: function (s: unknown, p: unknown, r: unknown, where?: unknown) {
      const mode = arguments.length < 4 ? 'all' : option('replace', where, REPLACE_MODES);
      return replaceText(str('replace', s), str('replace', p, 'pattern'), str('replace', r, 'replacement'), mode);
    },
    doc:
      "replace(S, Search, Replacement[, 'all'|'leading'|'trailing']): plain-text replacement of every (default), " +
      "the first or the last occurrence. replace('ab..cd..ef', '..', '**', 'trailing') = 'ab..cd**ef'.",
  },
  {
    name: 'ascii',
    minArity: 1,
    maxArity: 1,
    impl: (s) => {
      const text = str('ascii', s);
      if (text.length === 0) throw badArg('ascii', 'empty string');
      const c = text.charCodeAt(0);
      // EMQX returns the first byte of the binary, so a non-ASCII first character gives its first UTF-8 byte.
      return c < 0x80 ? c : Buffer.from(String.fromCodePoint(text.codePointAt(0)!), 'utf8')[0];
    },
    doc: "ascii(S): code of the first byte of S. ascii('abc') = 97; an empty string raises.",
  },
  {
    name: 'find',
    minArity: 2,
    maxArity: 3,
    impl: function (s: unknown, p: unknown, dir?: unknown) {
      const text = str('find', s);
      const pat = str('find', p, 'pattern');
      const d = arguments.length < 3 ? 'leading' : option('find', dir, FIND_DIRS);
      if (pat === '') return text;
      const i = d === 'leading' ? indexOfCluster(text, pat, 0) : lastIndexOfCluster(text, pat);
      return i < 0 ? '' : text.slice(i);
    },
    doc:
      "find(S, Pattern[, 'leading'|'trailing']): the rest of S from the first (or last) occurrence of Pattern, '' " +
      "when absent. find('Front, Middle, End', ', ', 'trailing') = ', End'.",
  },
  {
    name: 'rm_prefix',
    minArity: 2,
    maxArity: 2,
    impl: (s, p) => {
      const prefix = str('rm_prefix', p, 'prefix');
      if (!isBinary(s)) return s;
      if (typeof s === 'string') return s.startsWith(prefix) ? s.slice(prefix.length) : s;
      const pb = Buffer.from(prefix, 'utf8');
      return s.length >= pb.length && s.subarray(0, pb.length).equals(pb) ? s.subarray(pb.length) : s;
    },
    doc: "rm_prefix(S, Prefix): S without Prefix if it starts with it, else S. rm_prefix('foo/bar', 'foo/') = 'bar'.",
  },
  {
    name: 'unescape',
    minArity: 1,
    maxArity: 1,
    impl: (s) => unescapeText(str('unescape', s)),
    doc:
      'unescape(S): turns escape sequences into characters: \\n \\t \\r \\b \\f \\v \\\' \\" \\\\ \\? \\a and ' +
      "\\xH... (any number of hex digits, a Unicode code point: '\\x20AC' = '€'). Any other escape raises; a " +
      'trailing lone backslash is kept. 5.7.0+.',
  },
];
