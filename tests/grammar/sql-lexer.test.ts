import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize } from '../../grammar/lexer.js';
import { PositionMapper } from '../../grammar/positions.js';
import { unquote } from '../../grammar/to-ast.js';
import { parseError } from './sql-helpers.js';

function kinds(text: string): string[] {
  return tokenize(text, new PositionMapper(text)).map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('rule SQL lexer', () => {
  const cases: Array<{ text: string; tokens: string[] }> = [
    { text: 'SELECT select SeLeCt', tokens: ['Select:SELECT', 'Select:select', 'Select:SeLeCt'] },
    { text: 'selected fromage incased', tokens: ['Identifier:selected', 'Identifier:fromage', 'Identifier:incased'] },
    { text: 'a$b c@d~e x_1', tokens: ['Identifier:a$b', 'Identifier:c@d~e', 'Identifier:x_1'] },
    { text: 'div mod DIV Mod divx', tokens: ['Div:div', 'Mod:mod', 'Identifier:DIV', 'Identifier:Mod', 'Identifier:divx'] },
    { text: 'true false TRUE null', tokens: ['Identifier:true', 'Identifier:false', 'Identifier:TRUE', 'Identifier:null'] },
    { text: "'it''s' '' 'a\\nb'", tokens: ["StringLiteral:'it''s'", "StringLiteral:''", "StringLiteral:'a\\nb'"] },
    { text: '"t/#" "a""b"', tokens: ['QuotedName:"t/#"', 'QuotedName:"a""b"'] },
    { text: '1 12 1.5 1.5e3 0.25E-2', tokens: ['Integer:1', 'Integer:12', 'Decimal:1.5', 'Decimal:1.5e3', 'Decimal:0.25E-2'] },
    { text: '1e5', tokens: ['Integer:1', 'Identifier:e5'] },
    { text: '[1..4] [-2..-1] [1 ..4]', tokens: ['Range:[1..4]', 'Range:[-2..-1]', 'LBracket:[', 'Integer:1', 'Dot:.', 'Dot:.', 'Integer:4', 'RBracket:]'] },
    { text: '= != <> < > <= >= =~ ~=', tokens: ['Eq:=', 'NotEq:!=', 'LtGt:<>', 'Lt:<', 'Gt:>', 'LtEq:<=', 'GtEq:>=', 'TopicMatch:=~', 'TildeEq:~='] },
    { text: 'a -- comment\nb', tokens: ['Identifier:a', 'Identifier:b'] },
    { text: '1 - -2', tokens: ['Integer:1', 'Minus:-', 'Minus:-', 'Integer:2'] },
    { text: 'a--b', tokens: ['Identifier:a'] },
    { text: 'x -- last line without newline', tokens: ['Identifier:x'] },
  ];
  for (const c of cases) {
    it(`tokenizes ${JSON.stringify(c.text)}`, () => {
      assert.deepEqual(kinds(c.text), c.tokens);
    });
  }

  it('strips quotes as rulesql does: every leading and trailing quote of the opening kind', () => {
    assert.equal(unquote("'it''s'"), "it''s");
    assert.equal(unquote("'''a'''"), 'a');
    assert.equal(unquote("''"), '');
    assert.equal(unquote('"a b"'), 'a b');
    assert.equal(unquote(`'"x"'`), '"x"');
    assert.equal(unquote('plain'), 'plain');
  });

  const errors: Array<{ text: string; code: string; line: number; column: number }> = [
    { text: 'SELECT a ; FROM t', code: 'SQL_LEX_ERROR', line: 1, column: 10 },
    { text: 'SELECT {a} FROM t', code: 'SQL_LEX_ERROR', line: 1, column: 8 },
    { text: 'SELECT a\nFROM t WHERE a = 10e5', code: 'SQL_BAD_NUMBER', line: 2, column: 18 },
    { text: 'SELECT 1.5f FROM t', code: 'SQL_BAD_NUMBER', line: 1, column: 8 },
    { text: "SELECT 'abc FROM t", code: 'SQL_UNTERMINATED_STRING', line: 1, column: 8 },
    { text: 'SELECT a FROM "t/#', code: 'SQL_UNTERMINATED_STRING', line: 1, column: 15 },
    { text: 'SELECT héllo FROM t', code: 'SQL_LEX_ERROR', line: 1, column: 9 },
  ];
  for (const c of errors) {
    it(`reports ${c.code} at ${c.line}:${c.column} for ${JSON.stringify(c.text)}`, () => {
      const e = parseError(c.text);
      assert.equal(e.code, c.code);
      assert.equal(e.line, c.line);
      assert.equal(e.column, c.column);
    });
  }
});
