/**
 * Translates Erlang `re` (PCRE) patterns to the source of a linear-time RE2 engine (re2js), which is what the
 * rule functions run: a device controls the subject, and a backtracking engine lets `^(a+)+$` on 33 bytes take
 * seconds. RE2 has no back references and no lookaround; those PCRE features raise FUNC_UNSUPPORTED.
 *
 * Handled: leading (*UTF8)/(*UCP) and (?imsx) settings, \A \z \Z \G-less anchors, PCRE `$` (end or before a final
 * newline), `.` (anything but \n), \h \H \v \V \R \N \e \a \x{...} \o{...} \Q...\E, POSIX classes [[:alpha:]],
 * (?P<name>...) (?'name'...) (?P=name) \g{N} \k{name}, (?#...) comments, extended mode whitespace/comments.
 * Approximated (backtracking can differ): possessive quantifiers (`a*+` -> `a*`) and atomic groups ((?>...) ->
 * (?:...)); PCRE `$` and `\Z` (end, or before a final newline) match the final newline too. Rejected with
 * FUNC_UNSUPPORTED: back references, lookahead and lookbehind, recursion, conditionals, branch reset, backtracking
 * verbs, \G \K \X \C, option changes in the middle of a pattern, (?U). Matching is by character (as with
 * (*UTF8)); EMQX's default is by byte, which only matters for non-ASCII text.
 */

/** A translation error; `offset` is where in the pattern it was found. */
abstract class RegexTranslateError extends Error {
  offset = -1;
}
export class UnsupportedRegexError extends RegexTranslateError {}
export class BadRegexError extends RegexTranslateError {}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
  ascii: '\\x00-\\x7f',
};

const H_CLASS = '\\t \\xa0\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}';
const V_CLASS = '\\n\\x0b\\f\\r\\x85\\x{2028}\\x{2029}';
const SYNTAX = '^$\\.*+?()[]{}|/';

export interface TranslatedRegex {
  /** RE2 syntax. */
  source: string;
  ignoreCase: boolean;
  multiline: boolean;
  /** The pattern asked for characters ((*UTF8), (*UCP), \p{..}); without it Erlang's re matches bytes. */
  unicode: boolean;
}

function codeUnitEscape(cp: number): string {
  return `\\x{${cp.toString(16)}}`;
}

const END_OR_FINAL_NEWLINE = '(?:\\n?\\z)';

function literal(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function translatePcre(pattern: string): TranslatedRegex {
  const at = { i: 0 };
  try {
    return translate(pattern, at);
  } catch (e) {
    if (e instanceof RegexTranslateError && e.offset < 0) e.offset = at.i;
    throw e;
  }
}

function translate(pattern: string, at: { i: number }): TranslatedRegex {
  let i = 0;
  let ignoreCase = false;
  let multiline = false;
  let dotAll = false;
  let extended = false;
  let unicode = false;

  // Leading start-of-pattern items and option settings.
  for (;;) {
    const verb = /^\(\*(UTF8?|UCP|CRLF|LF|CR|ANYCRLF|ANY|NO_START_OPT)\)/.exec(pattern.slice(i));
    if (verb) {
      if (verb[1].startsWith('UTF') || verb[1] === 'UCP') unicode = true;
      i += verb[0].length;
      continue;
    }
    const opts = /^\(\?([imsxJ]*)(?:-([imsxJ]*))?\)/.exec(pattern.slice(i));
    if (opts && opts[0] !== '(?)') {
      for (const c of opts[1]) {
        if (c === 'i') ignoreCase = true;
        else if (c === 'm') multiline = true;
        else if (c === 's') dotAll = true;
        else if (c === 'x') extended = true;
      }
      for (const c of opts[2] ?? '') {
        if (c === 'i') ignoreCase = false;
        else if (c === 'm') multiline = false;
        else if (c === 's') dotAll = false;
        else if (c === 'x') extended = false;
      }
      i += opts[0].length;
      continue;
    }
    break;
  }

  let out = '';
  let afterQuantifier: boolean = false;
  const n = pattern.length;

  const readEscape = (inClass: boolean): string => {
    // pattern[i] is the character after the backslash.
    const c = pattern[i];
    if (c === undefined) throw new BadRegexError('pattern ends with a backslash');
    i++;
    switch (c) {
      case 'A':
        if (inClass) return 'A';
        return '\\A';
      case 'z':
        if (inClass) return 'z';
        return '\\z';
      case 'Z':
        if (inClass) return 'Z';
        return END_OR_FINAL_NEWLINE;
      case 'h':
        return inClass ? H_CLASS : `[${H_CLASS}]`;
      case 'H':
        if (inClass) throw new UnsupportedRegexError('\\H inside a character class');
        return `[^${H_CLASS}]`;
      case 'v':
        return inClass ? V_CLASS : `[${V_CLASS}]`;
      case 'V':
        if (inClass) throw new UnsupportedRegexError('\\V inside a character class');
        return `[^${V_CLASS}]`;
      case 'R':
        if (inClass) throw new UnsupportedRegexError('\\R inside a character class');
        return `(?:\\r\\n|[${V_CLASS}])`;
      case 'N':
        if (inClass) throw new UnsupportedRegexError('\\N inside a character class');
        return '[^\\n]';
      case 'e':
        return '\\x1b';
      case 'a':
        return '\\x07';
      case 'x': {
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i);
          if (end < 0) throw new BadRegexError('unterminated \\x{');
          const cp = parseInt(pattern.slice(i + 1, end), 16);
          if (!(cp <= 0x10ffff)) throw new BadRegexError('bad \\x{} code point');
          i = end + 1;
          return codeUnitEscape(cp);
        }
        const m = /^[0-9a-fA-F]{0,2}/.exec(pattern.slice(i))![0];
        i += m.length;
        return `\\x${m.padStart(2, '0')}`;
      }
      case 'o': {
        if (pattern[i] !== '{') throw new BadRegexError('\\o must be followed by {');
        const end = pattern.indexOf('}', i);
        if (end < 0) throw new BadRegexError('unterminated \\o{');
        const cp = parseInt(pattern.slice(i + 1, end), 8);
        i = end + 1;
        return codeUnitEscape(cp);
      }
      case 'Q': {
        const end = pattern.indexOf('\\E', i);
        const text = end < 0 ? pattern.slice(i) : pattern.slice(i, end);
        i = end < 0 ? n : end + 2;
        return inClass ? text.replace(/[\\\]^-]/g, '\\$&') : literal(text);
      }
      case 'E':
        return '';
      case 'g': {
        if (inClass) return 'g';
        const m = /^(?:\{(-?\d+)\}|(-?\d+)|\{([A-Za-z_]\w*)\})/.exec(pattern.slice(i));
        if (!m) throw new BadRegexError('bad \\g reference');
        i += m[0].length;
        throw new UnsupportedRegexError('back references (\\g): the linear-time engine has none');
      }
      case 'k': {
        if (inClass) return 'k';
        const m = /^(?:\{(\w+)\}|'(\w+)'|<(\w+)>)/.exec(pattern.slice(i));
        if (!m) throw new BadRegexError('bad \\k reference');
        throw new UnsupportedRegexError('back references (\\k): the linear-time engine has none');
      }
      case 'p':
      case 'P':
        unicode = true;
        return `\\${c}`;
      case 'G':
      case 'K':
      case 'X':
      case 'C':
        if (inClass) return c;
        throw new UnsupportedRegexError(`\\${c}`);
      default:
        if (c === '0') return '\\x00';
        if (/[1-9]/.test(c)) throw new UnsupportedRegexError(`back references (\\${c}): the linear-time engine has none`);
        if (/[dDwWsSbBntrf]/.test(c)) return `\\${c}`;
        if (/[A-Za-z]/.test(c)) throw new BadRegexError(`unknown escape \\${c}`);
        // An escaped symbol is that symbol.
        return SYNTAX.includes(c) || (inClass && c === '-') ? `\\${c}` : codeUnitEscape(c.codePointAt(0)!);
    }
  };

  const readClass = (): string => {
    // pattern[i - 1] was '['.
    let cls = '[';
    if (pattern[i] === '^') {
      cls += '^';
      i++;
    }
    if (pattern[i] === ']') {
      cls += '\\]';
      i++;
    }
    for (;;) {
      if (i >= n) throw new BadRegexError('missing ] in a character class');
      const c = pattern[i];
      if (c === ']') {
        i++;
        return `${cls}]`;
      }
      if (c === '[' && pattern[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (m) {
          const body = POSIX[m[2]];
          if (body === undefined) throw new BadRegexError(`unknown POSIX class ${m[2]}`);
          if (m[1] === '^') throw new UnsupportedRegexError('negated POSIX classes');
          cls += body;
          i += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        i++;
        cls += readEscape(true);
        continue;
      }
      if (c === '[') cls += '\\[';
      else cls += c;
      i++;
    }
  };

  while (i < n) {
    at.i = i;
    const c = pattern[i];
    const wasQuantifier: boolean = afterQuantifier;
    afterQuantifier = false;
    if (extended && /\s/.test(c)) {
      i++;
      afterQuantifier = wasQuantifier;
      continue;
    }
    if (extended && c === '#') {
      const nl = pattern.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      afterQuantifier = wasQuantifier;
      continue;
    }
    switch (c) {
      case '\\':
        i++;
        out += readEscape(false);
        break;
      case '[':
        i++;
        out += readClass();
        break;
      case '.':
        i++;
        out += dotAll ? '[\\s\\S]' : '[^\\n]';
        break;
      case '$':
        i++;
        out += multiline ? '$' : END_OR_FINAL_NEWLINE;
        break;
      case '*':
      case '+':
      case '?':
        i++;
        if (c === '+' && wasQuantifier) break; // possessive: approximated as greedy
        out += c;
        if (c === '?' && wasQuantifier) break; // lazy marker
        afterQuantifier = true;
        break;
      case '{': {
        const m = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
        if (m) {
          out += m[0];
          i += m[0].length;
          afterQuantifier = true;
        } else {
          out += '\\{';
          i++;
        }
        break;
      }
      case '}':
      case ']':
        out += `\\${c}`;
        i++;
        break;
      case '(': {
        const rest = pattern.slice(i);
        if (rest.startsWith('(*')) throw new UnsupportedRegexError('backtracking control verbs');
        if (!rest.startsWith('(?')) {
          out += '(';
          i++;
          break;
        }
        const m = /^\(\?(?:(#)|P<(\w+)>|'(\w+)'|<(\w+)>|P=(\w+)\)|(>)|([:=!]|<=|<!))/.exec(rest);
        if (!m) throw new UnsupportedRegexError(`group syntax ${rest.slice(0, 4)}`);
        if (m[1]) {
          const end = pattern.indexOf(')', i);
          i = end < 0 ? n : end + 1;
          afterQuantifier = wasQuantifier;
          break;
        }
        i += m[0].length;
        if (m[2] ?? m[3] ?? m[4]) out += `(?P<${m[2] ?? m[3] ?? m[4]}>`;
        else if (m[5]) throw new UnsupportedRegexError('back references ((?P=name)): the linear-time engine has none');
        else if (m[6]) out += '(?:';
        else throw new UnsupportedRegexError(`lookaround assertions ((?${m[7]}...)): the linear-time engine has none`);
        break;
      }
      default: {
        const cp = pattern.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        out += ch === '/' ? '\\/' : ch;
        i += ch.length;
        if (c === ')') afterQuantifier = false;
      }
    }
  }
  at.i = i;
  return { source: out, ignoreCase, multiline, unicode };
}
