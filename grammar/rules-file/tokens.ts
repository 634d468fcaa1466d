/**
 * Lexer for the statement layer of rules.sql (everything except the SELECT text, see select-span.ts).
 *
 * It is pull-based (`next()` lexes one token on demand) and can be repositioned with `reset(offset)`: the parser
 * hands the text after `AS` to the SELECT scanner, whose lexical rules differ (strings have no escapes), and
 * resumes lexing where that scanner stopped. Lexing the whole file up front would mis-tokenize the SELECT text.
 *
 * Lexical rules of this layer:
 * - whitespace, `-- comment` to end of line, and `/* block *\/` comments are skipped everywhere;
 * - identifiers `[A-Za-z_][A-Za-z0-9_-]*` (a `--` ends an identifier: it starts a comment);
 *   keywords are identifiers compared case-insensitively by the parser;
 * - strings `'...'` may span lines; a doubled `''` inside is one `'` (standard SQL, so templates can contain `'`);
 *   backslashes are literal;
 * - numbers `-?[0-9]+(\.[0-9]+)?`; a digit-led run of letters, digits, `_`, `.`, `-` that is not a number (`500ms`,
 *   `1e3`, `2024-01-01`) is a `word` token, so the parser can say "quote it";
 * - `"..."` is lexed as `quoted` only to give a clear error (names are not quoted in this layer);
 * - punctuation `( ) , = ;`; any other character is a one-character `bad` token.
 */

export type TokenKind = 'ident' | 'string' | 'number' | 'word' | 'quoted' | 'punct' | 'bad' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings, with quotes). */
  text: string;
  offset: number;
  /** Offset just past the token. */
  end: number;
  /** Decoded value: string contents with `''` → `'`, or the number. */
  value?: string | number;
}

/** A lexical error: the lexer keeps going (the token is returned as best it can) and reports through this. */
export type LexErrorSink = (message: string, offset: number, length: number) => void;

const enum Ch {
  Tab = 9,
  Lf = 10,
  Vt = 11,
  Ff = 12,
  Cr = 13,
  Space = 32,
  Quote2 = 34,
  Quote1 = 39,
  LParen = 40,
  RParen = 41,
  Star = 42,
  Comma = 44,
  Dash = 45,
  Dot = 46,
  Slash = 47,
  D0 = 48,
  D9 = 57,
  Semi = 59,
  Eq = 61,
  A = 65,
  Z = 90,
  Under = 95,
  a = 97,
  z = 122,
  Bom = 0xfeff,
}

const isDigit = (c: number): boolean => c >= Ch.D0 && c <= Ch.D9;
const isIdentStart = (c: number): boolean => (c >= Ch.a && c <= Ch.z) || (c >= Ch.A && c <= Ch.Z) || c === Ch.Under;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

export class Lexer {
  private pos = 0;
  /** Set once an unterminated string or comment ran to the end of the file. */
  hitUnterminated = false;

  constructor(
    private readonly text: string,
    private readonly onError: LexErrorSink,
  ) {}

  reset(offset: number): void {
    this.pos = offset;
  }

  next(): Token {
    this.skipTrivia();
    const { text } = this;
    const start = this.pos;
    if (start >= text.length) return { kind: 'eof', text: '', offset: text.length, end: text.length };
    const c = text.charCodeAt(start);
    if (isIdentStart(c)) return this.ident(start);
    if (isDigit(c) || (c === Ch.Dash && isDigit(text.charCodeAt(start + 1)))) return this.numberish(start);
    if (c === Ch.Quote1) return this.string(start);
    if (c === Ch.Quote2) return this.quoted(start);
    if (c === Ch.LParen || c === Ch.RParen || c === Ch.Comma || c === Ch.Eq || c === Ch.Semi) {
      this.pos = start + 1;
      return { kind: 'punct', text: text[start], offset: start, end: start + 1 };
    }
    const cp = text.codePointAt(start) ?? c;
    this.pos = start + (cp > 0xffff ? 2 : 1);
    return { kind: 'bad', text: text.slice(start, this.pos), offset: start, end: this.pos };
  }

  private skipTrivia(): void {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === Ch.Space || c === Ch.Tab || c === Ch.Lf || c === Ch.Cr || c === Ch.Ff || c === Ch.Vt || c === Ch.Bom) {
        this.pos++;
      } else if (c === Ch.Dash && text.charCodeAt(this.pos + 1) === Ch.Dash) {
        const nl = text.indexOf('\n', this.pos);
        this.pos = nl === -1 ? text.length : nl + 1;
      } else if (c === Ch.Slash && text.charCodeAt(this.pos + 1) === Ch.Star) {
        const close = text.indexOf('*/', this.pos + 2);
        if (close === -1) {
          this.onError('block comment `/*` is never closed with `*/`', this.pos, 2);
          this.hitUnterminated = true;
          this.pos = text.length;
        } else {
          this.pos = close + 2;
        }
      } else {
        return;
      }
    }
  }

  private ident(start: number): Token {
    const { text } = this;
    let i = start + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isIdentPart(c) || (c === Ch.Dash && text.charCodeAt(i + 1) !== Ch.Dash)) i++;
      else break;
    }
    this.pos = i;
    return { kind: 'ident', text: text.slice(start, i), offset: start, end: i };
  }

  private numberish(start: number): Token {
    const { text } = this;
    let i = start + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isIdentPart(c) || c === Ch.Dot || (c === Ch.Dash && text.charCodeAt(i + 1) !== Ch.Dash)) i++;
      else break;
    }
    this.pos = i;
    const raw = text.slice(start, i);
    if (NUMBER.test(raw)) return { kind: 'number', text: raw, offset: start, end: i, value: Number(raw) };
    return { kind: 'word', text: raw, offset: start, end: i };
  }

  private string(start: number): Token {
    const { text } = this;
    let value = '';
    let from = start + 1;
    for (;;) {
      const q = text.indexOf("'", from);
      if (q === -1) {
        this.onError("string is never closed: add a ' (write '' for a quote inside a string)", start, 1);
        this.hitUnterminated = true;
        this.pos = text.length;
        value += text.slice(from);
        return { kind: 'string', text: text.slice(start), offset: start, end: text.length, value };
      }
      value += text.slice(from, q);
      if (text.charCodeAt(q + 1) === Ch.Quote1) {
        value += "'";
        from = q + 2;
      } else {
        this.pos = q + 1;
        return { kind: 'string', text: text.slice(start, q + 1), offset: start, end: q + 1, value };
      }
    }
  }

  private quoted(start: number): Token {
    const { text } = this;
    const q = text.indexOf('"', start + 1);
    if (q === -1) {
      this.onError('`"` is never closed', start, 1);
      this.hitUnterminated = true;
      this.pos = text.length;
      return { kind: 'quoted', text: text.slice(start), offset: start, end: text.length };
    }
    this.pos = q + 1;
    return { kind: 'quoted', text: text.slice(start, q + 1), offset: start, end: q + 1, value: text.slice(start + 1, q) };
  }
}

/** How a token is named in messages: `'grpc_timeout'`, `end of file`. Long tokens are shortened. */
export function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'end of file';
  const firstLine = t.text.split(/\r?\n/, 1)[0];
  const shown = firstLine.length > 40 ? `${firstLine.slice(0, 37)}...` : firstLine;
  if (t.kind === 'string' || t.kind === 'quoted') return shown === t.text ? shown : `${shown.replace(/\.\.\.$/, '')}...`;
  return `'${shown}'`;
}
