import type { Pos } from './ast.js';

/**
 * Maps offsets to 1-based line/column. Built once per file; lookups are a binary search, so positions can be
 * computed lazily (only for tokens that end up in the AST or a diagnostic) and the lexer need not track lines.
 * A line ends at '\n', so CRLF files get the same line numbers as LF files ('\r' is the last column of its line).
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  pos(offset: number): Pos {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1, offset };
  }
}
