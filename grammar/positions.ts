/**
 * Maps offsets in a piece of SQL to positions in the file it came from. A SELECT embedded in a bigger file (a
 * rules.sql CREATE RULE) is parsed on its own, and every position is shifted so errors point into the file.
 */
import { SqlError, type SqlErrorCode, type SourcePosition, type SourceRange } from './errors.js';

/** Where the SQL text starts in its file. Defaults: line 1, column 1, offset 0. */
export interface ParseOptions {
  /** 1-based line of the first character of the SQL in its file. */
  readonly line?: number;
  /** 1-based column of the first character of the SQL in its file. */
  readonly column?: number;
  /** 0-based offset of the first character of the SQL in its file. */
  readonly offset?: number;
}

export class PositionMapper {
  private readonly lineStarts: number[] = [0];
  private readonly baseLine: number;
  private readonly baseColumn: number;
  private readonly baseOffset: number;

  constructor(
    readonly text: string,
    opts: ParseOptions = {},
  ) {
    this.baseLine = opts.line ?? 1;
    this.baseColumn = opts.column ?? 1;
    this.baseOffset = opts.offset ?? 0;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** 0-based index of the local line holding `offset`. */
  private localLine(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** File position of a local offset. */
  at(offset: number): SourcePosition {
    const li = this.localLine(offset);
    const col = offset - this.lineStarts[li] + 1;
    return {
      line: this.baseLine + li,
      column: li === 0 ? this.baseColumn + col - 1 : col,
      offset: this.baseOffset + offset,
    };
  }

  /** File range of local offsets [start, end). */
  range(start: number, end: number): SourceRange {
    return { ...this.at(start), length: Math.max(0, end - start) };
  }

  /** The local text of the line holding `offset` and the file column it starts at (for caret displays). */
  lineAt(offset: number): { text: string; column: number } {
    const li = this.localLine(offset);
    const start = this.lineStarts[li];
    const nl = this.text.indexOf('\n', start);
    const text = this.text.slice(start, nl === -1 ? this.text.length : nl).replace(/\r$/, '');
    return { text, column: li === 0 ? this.baseColumn : 1 };
  }

  /** A SqlError at a file range, carrying the source line for the caret display. */
  error(code: SqlErrorCode, range: SourceRange, message: string, extra: { expected?: string[]; found?: string } = {}): SqlError {
    const line = this.lineAt(Math.min(Math.max(0, range.offset - this.baseOffset), this.text.length));
    return new SqlError({ ...range, code, message, ...extra, sourceLine: line.text, sourceLineColumn: line.column });
  }
}
