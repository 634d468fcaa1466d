import type { Pos } from './ast.js';
import type { RulesFileCode } from './errors.js';
import type { LineIndex } from './positions.js';
import { describeToken, Lexer, type Token } from './tokens.js';

const STATEMENT_START = /^CREATE\s+(CONNECTOR|ACTION|RULE)(?![A-Za-z0-9_-])/i;

/** Records one diagnostic; severity comes from the code's entry in RULES_FILE_CODES. */
export type Report = (code: RulesFileCode, message: string, offset: number, length: number) => void;

/** Thrown (after reporting) to abandon the current statement; the statement loop catches it and resynchronizes. */
export class SyntaxAbort extends Error {
  constructor() {
    super('syntax error reported; resynchronizing');
  }
}

/**
 * One-token lookahead over the lexer, with the helpers the recursive-descent parser needs: keyword tests
 * (case-insensitive), failing with a positioned message, and resynchronizing at the next `;` or CREATE.
 */
export class TokenStream {
  private readonly lexer: Lexer;
  private la: Token | null = null;
  /** End offset of the last consumed token: where "expected ';'" points when the file ends instead. */
  prevEnd = 0;

  constructor(
    readonly text: string,
    readonly lines: LineIndex,
    readonly report: Report,
  ) {
    this.lexer = new Lexer(text, (message, offset, length) => report('RULES_SYNTAX', message, offset, length));
  }

  peek(): Token {
    if (this.la === null) this.la = this.lexer.next();
    return this.la;
  }

  next(): Token {
    const t = this.peek();
    this.la = null;
    if (t.kind !== 'eof') this.prevEnd = t.end;
    return t;
  }

  /** Continue lexing at `offset` (after the SELECT scanner consumed the text before it). */
  resetTo(offset: number, prevEnd: number): void {
    this.la = null;
    this.lexer.reset(offset);
    this.prevEnd = prevEnd;
  }

  pos(offset: number): Pos {
    return this.lines.pos(offset);
  }

  isKeyword(t: Token, keyword: string): boolean {
    return t.kind === 'ident' && t.text.length === keyword.length && t.text.toUpperCase() === keyword;
  }

  isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  /**
   * `CREATE CONNECTOR|ACTION|RULE`: where recovery stops. Requiring the second keyword keeps a column named `create`
   * inside a SELECT from looking like the next statement.
   */
  isStatementStart(t: Token): boolean {
    return this.isKeyword(t, 'CREATE') && STATEMENT_START.test(this.text.slice(t.offset, t.offset + 64));
  }

  /** Reports `message but found <token>` at the token and abandons the statement. */
  fail(message: string, t: Token): never {
    // An unterminated string/comment already reported why the file ended; "found end of file" would only repeat it.
    if (!(t.kind === 'eof' && this.lexer.hitUnterminated)) {
      this.report('RULES_SYNTAX', `${message} but found ${describeToken(t)}`, t.offset, t.end - t.offset);
    }
    throw new SyntaxAbort();
  }

  /**
   * For a missing terminator: when the file ends or the next statement starts instead, point just after the last
   * token ("expected ';' after ...") rather than at the far-away next token.
   */
  failMissing(message: string, t: Token): never {
    if (t.kind === 'eof' && !this.lexer.hitUnterminated) {
      this.report('RULES_SYNTAX', `${message} but found end of file`, this.prevEnd, 0);
      throw new SyntaxAbort();
    }
    if (this.isStatementStart(t)) {
      this.report('RULES_SYNTAX', `${message} before the next CREATE`, this.prevEnd, 0);
      throw new SyntaxAbort();
    }
    return this.fail(message, t);
  }

  /** Skips to just after the next `;`, or to the next CREATE, or to the end of the file. */
  recover(): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || this.isStatementStart(t)) return;
      this.next();
      if (t.kind === 'punct' && t.text === ';') return;
    }
  }
}
