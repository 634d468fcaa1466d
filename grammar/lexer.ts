/**
 * Turns rule SQL text into tokens, reporting the first lexical problem as a SqlError with a file position.
 */
import { Lexer, type IToken } from 'chevrotain';
import type { PositionMapper } from './positions.js';
import { allTokens, BadNumber } from './tokens.js';

/** One shared lexer: Chevrotain lexers keep no state between `tokenize` calls. */
export const sqlLexer = new Lexer(allTokens, {
  positionTracking: 'full',
  ensureOptimizations: false,
});

/** Tokenizes `text`; throws SqlError (SQL_LEX_ERROR, SQL_UNTERMINATED_STRING, SQL_BAD_NUMBER) on the first problem. */
export function tokenize(text: string, pos: PositionMapper): IToken[] {
  const result = sqlLexer.tokenize(text);
  if (result.errors.length > 0) {
    const e = result.errors[0];
    const ch = text[e.offset];
    if (ch === "'" || ch === '"') {
      throw pos.error(
        'SQL_UNTERMINATED_STRING',
        pos.range(e.offset, e.offset + 1),
        ch === "'" ? "string literal is never closed (missing ')" : 'quoted name is never closed (missing ")',
        { found: ch },
      );
    }
    // Report one character: Chevrotain's error length spans every character it had to skip.
    const found = String.fromCodePoint(text.codePointAt(e.offset) ?? 0);
    throw pos.error('SQL_LEX_ERROR', pos.range(e.offset, e.offset + found.length), `unexpected character '${found}'`, {
      found,
    });
  }
  for (const t of result.tokens) {
    if (t.tokenType === BadNumber) {
      throw pos.error(
        'SQL_BAD_NUMBER',
        pos.range(t.startOffset, t.startOffset + t.image.length),
        `malformed number '${t.image}': EMQX reads decimals as digits.digits with an optional exponent (e.g. 1.0e5), no type suffix`,
        { found: t.image },
      );
    }
  }
  return result.tokens;
}
