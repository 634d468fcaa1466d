/**
 * regex_match / regex_replace / regex_extract over PCRE patterns, run by RE2 (re2js): matching takes time linear in
 * the subject, so a pattern such as `^(a+)+$` cannot stall the broker on a crafted payload. Patterns are translated
 * from PCRE (regex-translate.ts); what RE2 cannot do raises FUNC_UNSUPPORTED, at load time when the pattern is a
 * literal (checkPatternLiteral).
 *
 * Bytes or characters: Erlang's `re` matches the UTF-8 bytes of subject and pattern unless the pattern starts with
 * (*UTF8)/(*UCP) (or uses \p), so in EMQX `regex_match('é', '^.$')` is false and `'^..$'` is true. We do the same:
 * such patterns run on "byte characters" (each UTF-8 byte as one char 0..255) and the texts they return are read
 * back as UTF-8 (a binary when a match splits a character, as Erlang returns). A pattern that needs characters past
 * 0xFF without (*UTF8) fails in EMQX; it runs on characters here.
 */
import { isUtf8 } from 'node:buffer';
import { RE2JS } from 're2js';
import { str } from './args.js';
import { badArg, RuleFunctionError } from './errors.js';
import { BadRegexError, translatePcre, UnsupportedRegexError } from './regex-translate.js';
import type { FunctionDef } from './types.js';

/** Patterns are usually constants; a small cache avoids re-translating and re-compiling them per message. */
const CACHE_MAX = 256;
/** A compiled pattern; `bytes` when it runs on byte characters (see the file comment). */
interface Compiled {
  readonly re: RE2JS;
  readonly bytes: boolean;
}

const cache = new Map<string, Compiled>();

const ASCII = /^[\x00-\x7f]*$/;

/** Each UTF-8 byte of `s` as one char (latin1). ASCII text is its own byte form. */
function toByteChars(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** Byte chars back to text; bytes that are not UTF-8 stay a binary, as Erlang returns them. */
function fromByteChars(s: string): string | Buffer {
  if (ASCII.test(s)) return s;
  const b = Buffer.from(s, 'latin1');
  return isUtf8(b) ? b.toString('utf8') : b;
}

/** A code point past 0xFF in the translated pattern: Erlang's byte mode cannot express it. */
const WIDE_ESCAPE = /\\x\{[0-9a-f]{3,}\}/;
const replacementCache = new Map<string, ReplacementPart[]>();

function compile(fn: string, pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let compiled: Compiled;
  try {
    let t = translatePcre(pattern);
    const bytes = !t.unicode && !WIDE_ESCAPE.test(t.source);
    if (bytes && !ASCII.test(pattern)) t = translatePcre(toByteChars(pattern));
    const re = RE2JS.compile(t.source, (t.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) | (t.multiline ? RE2JS.MULTILINE : 0));
    compiled = { re, bytes };
  } catch (e) {
    const at = e instanceof UnsupportedRegexError || e instanceof BadRegexError ? ` (at offset ${e.offset})` : '';
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UnsupportedRegexError || /unsupported|invalid escape|invalid named capture/i.test(message)) {
      throw new RuleFunctionError('FUNC_UNSUPPORTED', fn, `regular expression feature not supported: ${message}${at}`, { cause: e });
    }
    throw badArg(fn, `invalid regular expression: ${message}${at}`, e);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
}

/** Load-time check of a literal pattern: throws the RuleFunctionError that every run would throw. */
export function checkPatternLiteral(fn: string, pattern: string): void {
  compile(fn, pattern);
}

/** Text or a capture group number (0 = the whole match). */
type ReplacementPart = string | number;

/** `re:replace/4` replacement syntax: & is the match, \N \gN \g{N} a group, \& and \\ literal. */
function parseReplacement(rep: string): ReplacementPart[] {
  const hit = replacementCache.get(rep);
  if (hit !== undefined) return hit;
  const parts: ReplacementPart[] = [];
  let text = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i];
    if (c === '&') {
      parts.push(text, 0);
      text = '';
    } else if (c === '\\' && i + 1 < rep.length) {
      const m = /^(?:(\d+)|g(\d+)|g\{(\d+)\})/.exec(rep.slice(i + 1));
      if (m) {
        parts.push(text, Number(m[1] ?? m[2] ?? m[3]));
        text = '';
        i += m[0].length;
      } else {
        text += rep[i + 1];
        i++;
      }
    } else text += c;
  }
  parts.push(text);
  if (replacementCache.size >= CACHE_MAX) replacementCache.delete(replacementCache.keys().next().value!);
  replacementCache.set(rep, parts);
  return parts;
}

export const regexFunctions: FunctionDef[] = [
  {
    name: 'regex_match',
    minArity: 2,
    maxArity: 2,
    impl: (s, re) => {
      const c = compile('regex_match', str('regex_match', re, 'pattern'));
      const subject = str('regex_match', s);
      // test() runs RE2's DFA without capture bookkeeping: the cheapest way to an unanchored yes/no.
      return c.re.test(c.bytes ? toByteChars(subject) : subject);
    },
    doc: 'regex_match(S, Regex): true if the PCRE pattern matches anywhere in S (use ^...$ to anchor). ' + "regex_match('123', '^\\d+$') = true.",
  },
  {
    name: 'regex_replace',
    minArity: 3,
    maxArity: 3,
    impl: (s, re, rep) => {
      const c = compile('regex_replace', str('regex_replace', re, 'pattern'));
      const text = str('regex_replace', rep, 'replacement');
      const parts = parseReplacement(c.bytes ? toByteChars(text) : text);
      const subject = c.bytes ? toByteChars(str('regex_replace', s)) : str('regex_replace', s);
      const m = c.re.matcher(subject);
      const groups = m.groupCount();
      let out = '';
      let last = 0;
      while (m.find()) {
        out += subject.slice(last, m.start());
        for (const p of parts) {
          if (typeof p === 'string') out += p;
          else if (p <= groups) out += m.group(p) ?? '';
        }
        last = m.end();
      }
      out += subject.slice(last);
      return c.bytes ? fromByteChars(out) : out;
    },
    doc:
      'regex_replace(S, Regex, Replacement): replaces every match. In Replacement & is the whole match, \\N (or ' +
      "\\gN, \\g{N}) group N, \\& and \\\\ a literal & and \\. regex_replace('accbcd', 'c+', '[&]') = 'a[cc]b[c]d'.",
  },
  {
    name: 'regex_extract',
    minArity: 2,
    maxArity: 2,
    impl: (s, re) => {
      const c = compile('regex_extract', str('regex_extract', re, 'pattern'));
      const subject = str('regex_extract', s);
      const m = c.re.matcher(c.bytes ? toByteChars(subject) : subject);
      if (!m.find()) return [];
      const groups: Array<string | Buffer> = [];
      for (let i = 1; i <= m.groupCount(); i++) {
        const g = m.group(i) ?? '';
        groups.push(c.bytes ? fromByteChars(g) : g);
      }
      return groups;
    },
    doc:
      'regex_extract(S, Regex): the capture groups of the first match ([] when no match or no groups; an unset ' +
      "group is ''). regex_extract('Date: 2021-05-20', '(\\d{4})-(\\d{2})-(\\d{2})') = ['2021', '05', '20']. 5.7.1+.",
  },
];
