import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrors, parseRulesFile } from '../../../grammar/rules-file/index.js';

function diags(text: string) {
  return parseRulesFile(text, { fileName: 'rules.sql' }).diagnostics;
}
function brief(text: string): Array<[string, number, number]> {
  return diags(text).map((d) => [d.code, d.line, d.column]);
}

test('syntax errors: each message says what was expected and what was found', () => {
  const table: Array<[string, number, number, string]> = [
    ['SELECT 1;', 1, 1, "expected CREATE CONNECTOR, CREATE ACTION or CREATE RULE but found 'SELECT'"],
    ['CREATE TABLE t;', 1, 8, "expected CONNECTOR, ACTION or RULE after CREATE but found 'TABLE'"],
    ['CREATE CONNECTOR "c" TYPE t;', 1, 18, 'expected a connector name after CREATE CONNECTOR (names are not quoted) but found "c"'],
    ['CREATE ACTION a KIND t;', 1, 17, "expected TYPE after action `a` but found 'KIND'"],
    ['CREATE ACTION a TYPE t (x = 1);', 1, 24, "expected WITH (...) or ';' after TYPE t but found '('"],
    ['CREATE ACTION a TYPE t WITH x = 1;', 1, 29, "expected '(' after WITH but found 'x'"],
    ["CREATE ACTION a TYPE t WITH ('x' = 1);", 1, 30, "expected a setting name (setting names are not quoted) after '(' but found 'x'"],
    ['CREATE ACTION a TYPE t WITH (x 1);', 1, 32, "expected '=' after setting `x` but found '1'"],
    ['CREATE ACTION a TYPE t WITH (x = );', 1, 34, "expected a 'string', a number, true, false or env('NAME') after `x =` but found ')'"],
    ['CREATE ACTION a TYPE t WITH (x = 500ms);', 1, 34, "500ms is not a number (numbers are like 100 or -1.5); quote text values: x = '500ms'"],
    ['CREATE ACTION a TYPE t WITH (x = async);', 1, 34, "bare word async is not a value; quote text values: x = 'async'"],
    ['CREATE ACTION a TYPE t WITH (x = "v");', 1, 34, `"..." is not a string here; use single quotes: x = 'v'`],
    ["CREATE ACTION a TYPE t WITH (x = upper('v'));", 1, 34, "upper(...) is not a known function: only env('NAME') may be used in a value but found 'upper'"],
    ['CREATE ACTION a TYPE t WITH (x = env(NAME));', 1, 38, "expected the variable name as a 'string', like env('HSTREAM_PASSWORD'), but found 'NAME'"],
    ['CREATE ACTION a TYPE t WITH (x = 1)', 1, 36, "expected ';' after the WITH (...) of action `a` but found end of file"],
    ['CREATE RULE r SELECT 1;', 1, 15, "expected AS (or ENABLED, DISABLED, DESCRIPTION) after rule `r` but found 'SELECT'"],
    ['CREATE RULE r AS 1;', 1, 18, "expected SELECT or FOREACH after AS in rule `r` but found '1'"],
    ['CREATE RULE r DESCRIPTION x AS SELECT 1;', 1, 27, "expected a 'string' after DESCRIPTION but found 'x'"],
    ['CREATE RULE r AS SELECT 1 FROM "t" INTO ;', 1, 41, "expected an action name, console or republish(...) after INTO but found ';'"],
    ['CREATE RULE r AS SELECT 1 FROM "t" INTO a,;', 1, 43, "expected an action name, console or republish(...) after ',' but found ';'"],
    ['CREATE RULE r AS SELECT 1 FROM "t" INTO a b;', 1, 43, "expected ',' or ';' after INTO target `a` but found 'b'"],
    [
      'CREATE RULE r AS SELECT 1 FROM "t" INTO republish;',
      1,
      50,
      "republish needs its settings in parentheses, like republish(topic = 'out/${clientid}'), but found ';'",
    ],
    ['CREATE RULE r AS SELECT 1 FROM "t"', 1, 35, "expected INTO or ';' after the SELECT of rule `r` but found end of file"],
    [
      'CREATE RULE r AS SELECT f(1 FROM "t" INTO a;',
      1,
      26,
      "'(' in the SELECT of rule `r` is never closed, so the end of the SELECT (INTO or ';') cannot be found",
    ],
    [
      'CREATE RULE r AS SELECT \'x FROM "t" INTO a;',
      1,
      25,
      "' in the SELECT of rule `r` is never closed (inside a SELECT, '...' has no escapes: '' is two strings)",
    ],
    ["CREATE CONNECTOR c TYPE t WITH (a = 'x);", 1, 37, "string is never closed: add a ' (write '' for a quote inside a string)"],
    ['CREATE CONNECTOR c TYPE t; /* note', 1, 28, 'block comment `/*` is never closed with `*/`'],
    ['CREATE RULE r ENABLED DISABLED AS SELECT 1 FROM "t" INTO console;', 1, 23, 'rule `r` says ENABLED or DISABLED more than once'],
    ["CREATE RULE r DESCRIPTION 'a' DESCRIPTION 'b' AS SELECT 1 FROM \"t\" INTO console;", 1, 31, 'rule `r` has more than one DESCRIPTION'],
    ['CREATE CONNECTOR c TYPE t @;', 1, 27, "expected WITH (...) or ';' after TYPE t but found '@'"],
  ];
  for (const [text, line, column, message] of table) {
    assert.deepEqual(
      diags(text).map((d) => [d.code, d.line, d.column, d.message]),
      [['RULES_SYNTAX', line, column, message]],
      text,
    );
  }
});

test('collects every error of a file in one pass, sorted by position', () => {
  const text = `CREATE CONNECTOR c TYPE t WITH (a = 1 b = 2);
CREATE ACTION x TYPE t WITH (connector = 'cc', p = env('P1'), q = env('P2'));
CREATE ACTION x TYPE t;
CREATE RULE r1 AS SELECT 1 FROM "t" INTO y;
CREATE RULE r2 AS SELECT 1 FROM "t";
CREATE RULE r3 AS SELECT 1 FROM "t" INTO x, republish(qos = 9);
`;
  assert.deepEqual(brief(text), [
    ['RULES_SYNTAX', 1, 39],
    ['RULES_UNKNOWN_CONNECTOR', 2, 42],
    ['RULES_ENV_MISSING', 2, 56],
    ['RULES_ENV_MISSING', 2, 71],
    ['RULES_DUPLICATE_NAME', 3, 15],
    ['RULES_UNKNOWN_ACTION', 4, 42],
    ['RULES_EMPTY_RULE', 5, 13],
    ['RULES_BAD_REPUBLISH', 6, 45],
    ['RULES_BAD_REPUBLISH', 6, 61],
  ]);
});

test('recovers at the next ; and keeps parsing: later statements are intact and earlier names still count', () => {
  const text = `CREATE CONNECTOR broken TYPE t WITH (a = 1 b = 2);
CREATE ACTION act TYPE t WITH (connector = 'broken', x = (1));
CREATE ACTION good TYPE t WITH (connector = 'broken');
CREATE RULE r AS SELECT 1 FROM "t" INTO act, good;
`;
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column]),
    [
      ['RULES_SYNTAX', 1, 44],
      ['RULES_SYNTAX', 2, 58],
    ],
  );
  // Statements with syntax errors are left out, but their names resolve (no cascade of unknown-name errors).
  assert.deepEqual(file.connectors, []);
  assert.deepEqual(
    file.actions.map((a) => a.name),
    ['good'],
  );
  assert.deepEqual(
    file.rules.map((r) => r.name),
    ['r'],
  );
  assert.equal(hasErrors(diagnostics), true);
});

test('recovers at the next CREATE when a ; is missing', () => {
  const text = `CREATE ACTION a TYPE t WITH (x = 1)
CREATE RULE r1 AS SELECT 1 FROM "t" INTO a
CREATE RULE r2 AS SELECT 2 FROM "t"
CREATE RULE r3 AS SELECT 3 FROM "t" INTO a;
`;
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column, d.message]),
    [
      ['RULES_SYNTAX', 1, 36, "expected ';' after the WITH (...) of action `a` before the next CREATE"],
      ['RULES_SYNTAX', 2, 43, "expected ',' or ';' after INTO target `a` before the next CREATE"],
      ['RULES_SYNTAX', 3, 36, "expected INTO or ';' after the SELECT of rule `r2` before the next CREATE"],
    ],
  );
  assert.deepEqual(
    file.rules.map((r) => [r.name, r.sql]),
    [['r3', 'SELECT 3 FROM "t"']],
  );
});

test('a SELECT with a column named create is not mistaken for the next statement during recovery', () => {
  const text = `CREATE RULE r BAD AS SELECT create FROM "t" INTO console;\nCREATE RULE ok AS SELECT 1 FROM "t" INTO console;`;
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column]),
    [['RULES_SYNTAX', 1, 15]],
  );
  assert.deepEqual(
    file.rules.map((r) => r.name),
    ['ok'],
  );
});

test('never throws on arbitrary input', () => {
  const samples = [
    '',
    ';;;',
    "'",
    '"',
    '/*',
    '--',
    'CREATE',
    'CREATE RULE',
    'CREATE RULE r AS SELECT',
    '((((',
    '\u0000\uFFFF😀',
    'CREATE ACTION a TYPE t WITH (x = env(',
    'CREATE RULE r AS SELECT 1 INTO republish(topic=',
  ];
  for (const s of samples) {
    const r = parseRulesFile(s, { fileName: 'rules.sql' });
    assert.ok(Array.isArray(r.diagnostics), s);
  }
  assert.deepEqual(parseRulesFile('', { fileName: 'rules.sql' }), { file: { connectors: [], actions: [], rules: [] }, diagnostics: [] });
});
