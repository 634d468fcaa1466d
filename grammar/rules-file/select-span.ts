/**
 * Finds the end of the EMQX rule SQL that follows `AS` in a CREATE RULE, without parsing it (the SELECT parser
 * in grammar/ owns that). The span starts at `SELECT`/`FOREACH` and ends before the first `INTO` keyword that is
 * at the top level, or at a `;`.
 *
 * Inside the span EMQX's lexical rules apply (emqx-rule-sql.md §2), not this file's:
 * - `'...'` strings have NO escapes: `'[^']*'` (so `'it''s'` is two adjacent strings, and neither ends the span);
 * - `"..."` is a quoted identifier/topic: `"[^"]*"`;
 * - `--` starts a comment to the end of the line. `/* *\/` is not EMQX syntax and is left as text.
 * `INTO` ends the span only outside strings, quoted identifiers and comments, at paren/bracket depth 0, as a whole
 * word (`intox`, `x_into` are other words) and not right after `.` or `/` (`payload.into` is a key). EMQX has no
 * INTO keyword, so a column literally named `into` must be written `"into"` in a rules.sql SELECT.
 * A `;` outside strings/identifiers/comments always ends the span (EMQX SQL has no `;`). As recovery for a
 * forgotten `;`, a line that starts with `CREATE CONNECTOR|ACTION|RULE` also ends it.
 */

export type SpanStop = 'into' | 'semicolon' | 'create' | 'eof';

export interface SelectSpan {
  /** Offset of `SELECT`/`FOREACH`. */
  start: number;
  /** Offset just past the last token of the SQL (trailing whitespace and `--` comments excluded). */
  sqlEnd: number;
  stop: SpanStop;
  /** Where the statement layer resumes: after INTO, after `;`, at CREATE, or at the end of the text. */
  resumeAt: number;
  /** Offset of the innermost `(` or `[` still open where the span stopped. */
  unclosedAt?: number;
  /** Offset of a `'` or `"` that is never closed (the span then runs to the end of the text). */
  unterminatedAt?: number;
}

const WORD = /[A-Za-z0-9_$@~]/;
const CREATE_STMT = /^CREATE\s+(CONNECTOR|ACTION|RULE)(?![A-Za-z0-9_-])/i;

export function scanSelectSpan(text: string, start: number): SelectSpan {
  const opens: number[] = [];
  let sqlEnd = start;
  let i = start;
  const done = (stop: SpanStop, resumeAt: number, extra: Partial<SelectSpan> = {}): SelectSpan => {
    const span: SelectSpan = { start, sqlEnd, stop, resumeAt, ...extra };
    if (opens.length > 0) span.unclosedAt = opens[opens.length - 1];
    return span;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl + 1;
    } else if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close === -1) return done('eof', text.length, { unterminatedAt: i });
      i = sqlEnd = close + 1;
    } else if (c === ';') {
      return done('semicolon', i + 1);
    } else if (c === '(' || c === '[') {
      opens.push(i);
      i = sqlEnd = i + 1;
    } else if (c === ')' || c === ']') {
      opens.pop(); // a stray closer is the SELECT parser's to report
      i = sqlEnd = i + 1;
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD.test(text[j])) j++;
      const word = text.slice(i, j);
      const prev = text[i - 1];
      if (opens.length === 0 && j - i === 4 && word.toUpperCase() === 'INTO' && prev !== '.' && prev !== '/') {
        return done('into', j);
      }
      if (j - i === 6 && word.toUpperCase() === 'CREATE' && startsLine(text, i) && CREATE_STMT.test(text.slice(i, i + 40))) {
        return done('create', i);
      }
      i = sqlEnd = j;
    } else {
      i = sqlEnd = i + 1;
    }
  }
  return done('eof', text.length);
}

function startsLine(text: string, offset: number): boolean {
  for (let k = offset - 1; k >= 0; k--) {
    const c = text[k];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t' && c !== '\r') return false;
  }
  return true;
}
