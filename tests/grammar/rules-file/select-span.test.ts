import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRulesFile, scanSelectSpan } from '../../../grammar/rules-file/index.js';
import { at } from './helpers.js';

const PRELUDE = 'CREATE ACTION a TYPE t;\nCREATE ACTION b TYPE t;\n';

/** Parses one rule after the prelude and returns its SQL text and targets, asserting there are no diagnostics. */
function rule(ruleText: string) {
  const text = PRELUDE + ruleText;
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.deepEqual(diagnostics, []);
  assert.equal(file.rules.length, 1);
  const r = file.rules[0];
  return { sql: r.sql, sqlPos: r.sqlPos, targets: r.targets.map((t) => (t.kind === 'action' ? t.name : t.kind)), text };
}

const cases: Array<{ title: string; rule: string; sql: string; targets: string[] }> = [
  {
    title: "INTO inside a '...' string",
    rule: `CREATE RULE r AS SELECT 'x INTO y' as s FROM "t" INTO a;`,
    sql: `SELECT 'x INTO y' as s FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'INTO inside a "..." topic',
    rule: `CREATE RULE r AS SELECT * FROM "into/INTO" INTO a;`,
    sql: `SELECT * FROM "into/INTO"`,
    targets: ['a'],
  },
  {
    title: 'INTO inside a -- comment',
    rule: `CREATE RULE r AS SELECT * -- goes INTO b\n FROM "t" INTO a;`,
    sql: `SELECT * -- goes INTO b\n FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'INTO inside parentheses',
    rule: `CREATE RULE r AS SELECT f(x, (y into)) as v FROM "t" INTO a;`,
    sql: `SELECT f(x, (y into)) as v FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'into as a key after a dot and as part of longer words',
    rule: `CREATE RULE r AS SELECT payload.into as intox, x_into FROM "t" into a, b;`,
    sql: `SELECT payload.into as intox, x_into FROM "t"`,
    targets: ['a', 'b'],
  },
  {
    title: "a doubled '' inside the SELECT is two EMQX strings, not an escape",
    rule: `CREATE RULE r AS SELECT 'it''s INTO' as s FROM "t" INTO a;`,
    sql: `SELECT 'it''s INTO' as s FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'a backslash before a quote does not escape it',
    rule: `CREATE RULE r AS SELECT 'a\\' as s FROM "t" INTO a;`,
    sql: `SELECT 'a\\' as s FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'a ; inside a string or comment does not end the statement',
    rule: `CREATE RULE r AS SELECT ';' as s -- ;\n FROM "a;b" INTO a;`,
    sql: `SELECT ';' as s -- ;\n FROM "a;b"`,
    targets: ['a'],
  },
  {
    title: 'FOREACH rules and a lower-case keyword',
    rule: `create rule r as foreach payload.sensors as s do s.v incase s.v > 1 from "t" into a;`,
    sql: `foreach payload.sensors as s do s.v incase s.v > 1 from "t"`,
    targets: ['a'],
  },
  {
    title: 'trailing comments and whitespace before INTO are not part of the SQL',
    rule: `CREATE RULE r AS SELECT * FROM "t"   -- the source\n   -- more\n  INTO a;`,
    sql: `SELECT * FROM "t"`,
    targets: ['a'],
  },
  {
    title: 'brackets: INTO inside [..] does not end the SELECT',
    rule: `CREATE RULE r AS SELECT [1, into] as v FROM "t" INTO a;`,
    sql: `SELECT [1, into] as v FROM "t"`,
    targets: ['a'],
  },
];

for (const c of cases) {
  test(`SELECT capture: ${c.title}`, () => {
    const r = rule(c.rule);
    assert.equal(r.sql, c.sql);
    assert.deepEqual(r.targets, c.targets);
    assert.deepEqual(r.sqlPos, at(r.text, c.sql));
  });
}

test('a rule whose SELECT ends at ; has no targets and a warning', () => {
  const text = `CREATE RULE r AS SELECT * FROM "t" ;`;
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.equal(file.rules[0].sql, 'SELECT * FROM "t"');
  assert.deepEqual(file.rules[0].targets, []);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity, d.line, d.column]),
    [['RULES_EMPTY_RULE', 'warning', 1, 13]],
  );
});

test('scanSelectSpan reports where it stopped and where to resume', () => {
  const text = 'SELECT a FROM "t" INTO x;';
  assert.deepEqual(scanSelectSpan(text, 0), { start: 0, sqlEnd: 17, stop: 'into', resumeAt: 22 });
  assert.deepEqual(scanSelectSpan('SELECT a;', 0), { start: 0, sqlEnd: 8, stop: 'semicolon', resumeAt: 9 });
  assert.deepEqual(scanSelectSpan('SELECT (a', 0), { start: 0, sqlEnd: 9, stop: 'eof', resumeAt: 9, unclosedAt: 7 });
  assert.deepEqual(scanSelectSpan("SELECT 'a", 0), { start: 0, sqlEnd: 6, stop: 'eof', resumeAt: 9, unterminatedAt: 7 });
  assert.deepEqual(scanSelectSpan('SELECT a\nCREATE RULE b', 0), { start: 0, sqlEnd: 8, stop: 'create', resumeAt: 9 });
  // `create rule` inside a line is a field and its alias, not a new statement
  assert.deepEqual(scanSelectSpan('SELECT create rule FROM "t";', 0).stop, 'semicolon');
});
