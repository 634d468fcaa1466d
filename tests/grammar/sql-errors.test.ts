import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseSql, SQL_ERROR_CODES, SQL_WARNING_CODES } from '../../grammar/index.js';
import { parseError } from './sql-helpers.js';

describe('rule SQL syntax errors', () => {
  const cases: Array<{ sql: string; code: string; line: number; column: number; message?: string; expected?: string[] }> = [
    { sql: 'SELECT a WHERE b', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 10, message: "expected FROM but found 'WHERE'", expected: ['FROM'] },
    { sql: 'SELECT a,\n  b\n  WHERE c', code: 'SQL_UNEXPECTED_TOKEN', line: 3, column: 3, message: "expected FROM but found 'WHERE'" },
    {
      sql: 'SELECT a FROM',
      code: 'SQL_UNEXPECTED_TOKEN',
      line: 1,
      column: 14,
      message: `expected a "quoted name", a 'string' or a name but found end of input`,
    },
    { sql: 'SELECT FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 8 },
    { sql: 'SELECT a FROM t WHERE', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 22, message: 'expected NOT or an expression but found end of input' },
    { sql: 'SELECT 1 = 1 = 1 FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 14 },
    { sql: 'SELECT a FROM t WHERE a = 1 = 1', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 29, message: "expected end of input but found '='" },
    { sql: 'SELECT .5 FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 8 },
    { sql: 'SELECT a FROM t;', code: 'SQL_LEX_ERROR', line: 1, column: 16 },
    { sql: 'SELECT a FROM t WHERE x IN ()', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 29 },
    { sql: 'SELECT CASE WHEN a THEN 1 FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 27 },
    { sql: 'SELECT a FROM t WHERE a = 1 b', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 29 },
    { sql: 'SELECT if FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 8 },
    { sql: 'SELECT payload.end FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 16 },
    { sql: 'UPDATE t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 1 },
    { sql: 'SELECT [1,,2] AS l FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 11 },
    { sql: 'SELECT [,] AS l FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 9 },
    { sql: 'SELECT a FROM t WHERE a = 1 AS', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 31 },
    { sql: '   \n -- only a comment\n', code: 'SQL_EMPTY', line: 1, column: 1 },
    { sql: '', code: 'SQL_EMPTY', line: 1, column: 1 },
    { sql: 'FOREACH payload.x DO FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 22 },
    // Constructs the grammar accepts but EMQX's does not.
    { sql: 'SELECT a AND b FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 10 },
    { sql: 'SELECT (a AND b) FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'SELECT (a IN (1)) AS x FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'SELECT NOT a FROM t', code: 'SQL_UNEXPECTED_TOKEN', line: 1, column: 8 },
    {
      sql: 'SELECT a + CASE WHEN b THEN 1 END FROM t',
      code: 'SQL_INVALID_EXPRESSION',
      line: 1,
      column: 12,
      message: 'CASE is only allowed as a whole SELECT field or as a function argument',
    },
    { sql: 'SELECT CASE WHEN a THEN CASE WHEN b THEN 1 END END FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 25 },
    { sql: 'SELECT CASE WHEN a THEN 1 ELSE CASE WHEN b THEN 1 END END FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 32 },
    { sql: 'SELECT a FROM t WHERE CASE WHEN b THEN 1 END = 1', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 23 },
    { sql: 'SELECT [CASE WHEN b THEN 1 END] AS l FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'SELECT (a = b) AS x FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'SELECT a + (b > 1) AS x FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 13 },
    { sql: 'SELECT [a = 1] AS x FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'SELECT -1 FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 8 },
    { sql: 'FOREACH * FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 9 },
    { sql: 'FOREACH payload.l AS a.b FROM t', code: 'SQL_INVALID_EXPRESSION', line: 1, column: 22 },
    { sql: 'SELECT a.b.c(x) FROM t', code: 'SQL_UNKNOWN_FUNCTION', line: 1, column: 8 },
    { sql: 'SELECT a[1](x) FROM t', code: 'SQL_UNKNOWN_FUNCTION', line: 1, column: 8 },
  ];
  for (const c of cases) {
    it(`rejects ${JSON.stringify(c.sql)} with ${c.code} at ${c.line}:${c.column}`, () => {
      const e = parseError(c.sql);
      assert.equal(e.code, c.code, e.message);
      assert.equal(e.line, c.line, e.message);
      assert.equal(e.column, c.column, e.message);
      if (c.message !== undefined) assert.equal(e.detail, c.message);
      if (c.expected !== undefined) assert.deepEqual(e.expected, c.expected);
    });
  }

  it('reports positions in file coordinates when the SQL is embedded (line, column, offset)', () => {
    // The SQL starts at line 3, column 14 (offset 40) of its file.
    const e = parseError('SELECT a\n  WHERE b', { line: 3, column: 14, offset: 40 });
    assert.equal(e.code, 'SQL_UNEXPECTED_TOKEN');
    assert.equal(e.line, 4);
    assert.equal(e.column, 3);
    assert.equal(e.offset, 40 + 11);
    assert.equal(e.length, 5);
    const first = parseError('SELECT a WHERE b', { line: 3, column: 14, offset: 40 });
    assert.equal(first.line, 3);
    assert.equal(first.column, 14 + 9);
    assert.equal(first.offset, 49);
  });

  it('formats as name:line:col: CODE: message, the source line and a caret', () => {
    const e = parseError('SELECT a,\n  b\n  WHERE c');
    assert.equal(e.format('rules.sql'), "rules.sql:3:3: SQL_UNEXPECTED_TOKEN: expected FROM but found 'WHERE'\n  WHERE c\n  ^^^^^");
    assert.equal(e.message, "3:3: SQL_UNEXPECTED_TOKEN: expected FROM but found 'WHERE'");
  });

  it('lines the caret up with the file line when the SQL starts mid-line', () => {
    const file = 'CREATE RULE r AS SELECT a WHERE b INTO x;';
    const e = parseError('SELECT a WHERE b', { line: 1, column: 18, offset: 17 });
    assert.equal(e.column, 27);
    const expected = `rules.sql:1:27: SQL_UNEXPECTED_TOKEN: expected FROM but found 'WHERE'\n${file}\n${' '.repeat(26)}^^^^^`;
    assert.equal(e.format('rules.sql', file), expected);
    // Without the file text the SQL line is padded so the caret still lines up.
    assert.equal(e.format('rules.sql').split('\n')[2], `${' '.repeat(26)}^^^^^`);
  });

  it('reports SQL_TOO_DEEP instead of overflowing the stack on absurd nesting, and accepts reasonable nesting', () => {
    const deep = parseError(`SELECT ${'('.repeat(5000)}1${')'.repeat(5000)} AS x FROM t`);
    assert.equal(deep.code, 'SQL_TOO_DEEP');
    assert.equal(deep.line, 1);
    assert.equal(deep.column, 1);
    assert.doesNotThrow(() => parseSql(`SELECT ${'('.repeat(50)}1${')'.repeat(50)} AS x FROM t`));
  });

  it('reports the found text and the expected token labels', () => {
    const e = parseError("SELECT a FROM t WHERE x = 'a' 'b'");
    assert.equal(e.found, "'b'");
    assert.deepEqual(e.expected, ['end of input']);
  });
});

describe('rule SQL error codes', () => {
  it('lists every SQL_* code used by the SQL grammar and compiler (and nothing unused)', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    const mine = /^(compile.*|paths|values|context|topic-match|tester|errors)\.ts$/;
    const files = [
      ...readdirSync(join(root, 'grammar'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, 'grammar', f)),
      ...readdirSync(join(root, 'rules'))
        .filter((f) => mine.test(f))
        .map((f) => join(root, 'rules', f)),
      ...readdirSync(join(root, 'rules', 'events'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, 'rules', 'events', f)),
    ];
    const used = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/'(SQL_[A-Z_]+)'/g)) used.add(m[1]);
    }
    const listed = new Set([...Object.keys(SQL_ERROR_CODES), ...Object.keys(SQL_WARNING_CODES)]);
    for (const code of used) assert.ok(listed.has(code), `${code} is used but not listed in SQL_ERROR_CODES/SQL_WARNING_CODES`);
    for (const code of listed) assert.ok(used.has(code), `${code} is listed but never used`);
    for (const [k, doc] of Object.entries({ ...SQL_ERROR_CODES, ...SQL_WARNING_CODES })) assert.ok(doc.length > 20, `${k} needs a description`);
  });
});
