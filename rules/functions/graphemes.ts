/**
 * Erlang's `string` module counts, slices, pads and searches by grapheme cluster: "\r\n" is one character and so is
 * "e" + U+0301. These helpers give the same answers with a fast path for ASCII text (where the only cluster of two
 * code units is CRLF) and Intl.Segmenter otherwise.
 */

const ASCII_RE = /^[\x00-\x7f]*$/;
const MARK_RE = /^\p{M}/u;
let segmenter: Intl.Segmenter | undefined;

function segment(s: string): string[] {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  const out: string[] = [];
  for (const { segment: g } of segmenter.segment(s)) out.push(g);
  return out;
}

/** The grapheme clusters of `s`. */
export function graphemes(s: string): string[] {
  if (!ASCII_RE.test(s)) return segment(s);
  if (s.indexOf('\r\n') < 0) return s.split('');
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 13 && s.charCodeAt(i + 1) === 10) {
      out.push('\r\n');
      i++;
    } else out.push(s[i]);
  }
  return out;
}

/** Number of grapheme clusters (EMQX strlen). */
export function graphemeCount(s: string): number {
  if (ASCII_RE.test(s)) {
    let n = s.length;
    for (let i = s.indexOf('\r\n'); i >= 0; i = s.indexOf('\r\n', i + 2)) n--;
    return n;
  }
  return segment(s).length;
}

/** Slice by grapheme index: `string:slice(S, Start, Len)`; `len` undefined = to the end. */
export function graphemeSlice(s: string, start: number, len: number | undefined): string {
  if (ASCII_RE.test(s) && s.indexOf('\r\n') < 0) return len === undefined ? s.slice(start) : s.slice(start, start + len);
  const g = graphemes(s);
  return (len === undefined ? g.slice(start) : g.slice(start, start + len)).join('');
}

/**
 * First index >= `from` where `p` occurs on grapheme boundaries (-1 if none). A match that would split a CRLF pair or
 * separate a base character from a following combining mark is not a match in Erlang's `string` module.
 */
export function indexOfCluster(s: string, p: string, from: number): number {
  for (let i = s.indexOf(p, from); i >= 0; i = s.indexOf(p, i + 1)) {
    if (onBoundaries(s, i, i + p.length)) return i;
  }
  return -1;
}

/** Last index where `p` occurs on grapheme boundaries (-1 if none). */
export function lastIndexOfCluster(s: string, p: string): number {
  for (let i = s.lastIndexOf(p); i >= 0; i = i === 0 ? -1 : s.lastIndexOf(p, i - 1)) {
    if (onBoundaries(s, i, i + p.length)) return i;
  }
  return -1;
}

function onBoundaries(s: string, start: number, end: number): boolean {
  if (start > 0 && s.charCodeAt(start) === 10 && s.charCodeAt(start - 1) === 13) return false;
  if (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === 10 && s.charCodeAt(end - 1) === 13) return false;
    if (c >= 0x300 && MARK_RE.test(s.slice(end, end + 2))) return false;
  }
  return true;
}

/** Erlang's whitespace (Unicode Pattern_White_Space): \t \n \v \f \r, space, U+0085, U+200E/F, U+2028/9. */
export function isErlangWhitespace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0x85 || c === 0x200e || c === 0x200f || c === 0x2028 || c === 0x2029;
}
