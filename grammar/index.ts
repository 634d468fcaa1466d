/**
 * Public entry of the rule SQL grammar: `parseSql(text, options)` → typed AST, or a SqlError with a file position.
 *
 * ```ts
 * const ast = parseSql('SELECT clientid FROM "t/#"');
 * // embedded in a bigger file: positions are reported in file coordinates
 * parseSql(sqlText, { line: 12, column: 5, offset: 340 });
 * ```
 */
import { EOF, type IToken } from 'chevrotain';
import type { Statement } from './ast.js';
import type { SqlError } from './errors.js';
import { tokenize } from './lexer.js';
import { messageProvider, sqlParser } from './parser.js';
import { PositionMapper, type ParseOptions } from './positions.js';
import { AstBuilder } from './to-ast.js';

export type * from './ast.js';
export { SqlError, SQL_ERROR_CODES, SQL_WARNING_CODES } from './errors.js';
export type { SqlErrorCode, SqlWarningCode, SourcePosition, SourceRange, SqlErrorInit } from './errors.js';
export type { ParseOptions } from './positions.js';
export { PositionMapper } from './positions.js';
export { unquote } from './to-ast.js';

/**
 * Parses one EMQX rule SQL statement (SELECT ... or FOREACH ...). Throws SqlError on any lexical or syntax error,
 * with line/column/offset in the coordinates given by `options` (defaults: line 1, column 1, offset 0).
 */
export function parseSql(text: string, options: ParseOptions = {}): Statement {
  const pos = new PositionMapper(text, options);
  try {
    return parseWith(text, pos);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(pos, text);
    throw e;
  } finally {
    sqlParser.input = [];
  }
}

/** The error for SQL nested beyond the parser's stack (the recursive-descent parser recurses per nesting level). */
export function tooDeep(pos: PositionMapper, text: string): SqlError {
  return pos.error('SQL_TOO_DEEP', pos.range(0, text.length), 'the SQL is nested too deeply (parentheses, lists or CASE, a few hundred levels)');
}

function parseWith(text: string, pos: PositionMapper): Statement {
  const tokens = tokenize(text, pos);
  if (tokens.length === 0) {
    throw pos.error('SQL_EMPTY', pos.range(0, text.length), 'the SQL is empty (expected SELECT or FOREACH)', {
      expected: ['SELECT', 'FOREACH'],
      found: 'end of input',
    });
  }
  sqlParser.input = tokens;
  const cst = sqlParser.statement();
  const errors = sqlParser.errors;
  if (errors.length > 0) {
    const e = errors[0];
    const tok: IToken = e.token;
    const last = tokens[tokens.length - 1];
    const atEnd = tok.tokenType === EOF || Number.isNaN(tok.startOffset);
    const start = atEnd ? last.startOffset + last.image.length : tok.startOffset;
    const len = atEnd ? 0 : tok.image.length;
    throw pos.error('SQL_UNEXPECTED_TOKEN', pos.range(start, start + len), e.message, {
      expected: messageProvider.expected,
      found: atEnd ? 'end of input' : tok.image,
    });
  }
  return new AstBuilder(pos).visit(cst, { place: 'cond', loc: cst.location! }) as Statement;
}
