/** regex_match / regex_replace / regex_extract over PCRE patterns translated to JS (see regex-translate.ts). */
import { str } from './args.js';
import { badArg, RuleFunctionError } from './errors.js';
import { BadRegexError, translatePcre, UnsupportedRegexError } from './regex-translate.js';
import type { FunctionDef } from './types.js';

interface Compiled {
  once: RegExp;
  global: RegExp;
}

/** Patterns are usually constants; a small cache avoids re-translating and re-compiling them per message. */
const CACHE_MAX = 256;
const cache = new Map<string, Compiled>();
const replacementCache = new Map<string, ReplacementPart[]>();

function compile(fn: string, pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let compiled: Compiled;
  try {
    const { source, flags } = translatePcre(pattern);
    compiled = { once: new RegExp(source, flags), global: new RegExp(source, flags + 'g') };
  } catch (e) {
    if (e instanceof UnsupportedRegexError) {
      throw new RuleFunctionError('FUNC_UNSUPPORTED', fn, `regular expression feature not supported: ${e.message}`, {
        cause: e,
      });
    }
    const reason = e instanceof BadRegexError || e instanceof SyntaxError ? e.message : String(e);
    throw badArg(fn, `invalid regular expression: ${reason}`, e);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
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
    impl: (s, re) => compile('regex_match', str('regex_match', re, 'pattern')).once.test(str('regex_match', s)),
    doc:
      "regex_match(S, Regex): true if the PCRE pattern matches anywhere in S (use ^...$ to anchor). " +
      "regex_match('123', '^\\d+$') = true.",
  },
  {
    name: 'regex_replace',
    minArity: 3,
    maxArity: 3,
    impl: (s, re, rep) => {
      const { global } = compile('regex_replace', str('regex_replace', re, 'pattern'));
      const parts = parseReplacement(str('regex_replace', rep, 'replacement'));
      return str('regex_replace', s).replace(global, (...m: unknown[]) => {
        let out = '';
        for (const p of parts) {
          if (typeof p === 'string') out += p;
          else {
            const g = m[p];
            if (typeof g === 'string') out += g;
          }
        }
        return out;
      });
    },
    doc:
      "regex_replace(S, Regex, Replacement): replaces every match. In Replacement & is the whole match, \\N (or " +
      "\\gN, \\g{N}) group N, \\& and \\\\ a literal & and \\. regex_replace('accbcd', 'c+', '[&]') = 'a[cc]b[c]d'.",
  },
  {
    name: 'regex_extract',
    minArity: 2,
    maxArity: 2,
    impl: (s, re) => {
      const m = compile('regex_extract', str('regex_extract', re, 'pattern')).once.exec(str('regex_extract', s));
      if (m === null) return [];
      const groups: string[] = [];
      for (let i = 1; i < m.length; i++) groups.push(m[i] ?? '');
      return groups;
    },
    doc:
      "regex_extract(S, Regex): the capture groups of the first match ([] when no match or no groups; an unset " +
      "group is ''). regex_extract('Date: 2021-05-20', '(\\d{4})-(\\d{2})-(\\d{2})') = ['2021', '05', '20']. 5.7.1+.",
  },
];
