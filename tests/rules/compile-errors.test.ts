import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileRule } from '../../rules/compile.js';
import { RULE_ERROR_CODES } from '../../rules/errors.js';
import { compileError, run } from './compile-helpers.js';

describe('compile-time errors', () => {
  const cases: Array<{ sql: string; code: string; line: number; column: number; length?: number; message?: RegExp }> = [
    { sql: 'SELECT nosuch(x) FROM "t/#"', code: 'SQL_UNKNOWN_FUNCTION', line: 1, column: 8, length: 6, message: /unknown function 'nosuch'/ },
    { sql: 'SELECT a,\n  UPPER(x) FROM "t/#"', code: 'SQL_UNKNOWN_FUNCTION', line: 2, column: 3, message: /case-sensitive: did you mean upper/ },
    { sql: 'SELECT upper(a, b) FROM "t/#"', code: 'SQL_BAD_ARITY', line: 1, column: 8, length: 5, message: /upper\(\) takes 1 argument but 2 were given/ },
    { sql: 'SELECT abs() FROM "t/#"', code: 'SQL_BAD_ARITY', line: 1, column: 8, message: /none was given/ },
    { sql: 'SELECT topic(1, 2) AS t FROM "t/#"', code: 'SQL_BAD_ARITY', line: 1, column: 8 },
    { sql: 'SELECT 1 AS x FROM "t/#" WHERE qos(1) = 1', code: 'SQL_BAD_ARITY', line: 1, column: 32 },
    { sql: 'SELECT div(1) AS x FROM "t/#"', code: 'SQL_BAD_ARITY', line: 1, column: 8 },
    { sql: 'SELECT other_mod.f(x) AS x FROM "t/#"', code: 'SQL_UNKNOWN_FUNCTION', line: 1, column: 8, length: 11, message: /module 'other_mod'/ },
    { sql: 'SELECT f(nosuch(1)) FROM "t/#"', code: 'SQL_UNKNOWN_FUNCTION', line: 1, column: 8 },
    { sql: 'SELECT * FROM "$events/nope"', code: 'SQL_BAD_EVENT_TOPIC', line: 1, column: 15, length: 14 },
    { sql: 'SELECT * FROM "t/#",\n  "$events/message_publish"', code: 'SQL_BAD_EVENT_TOPIC', line: 2, column: 3, message: /topic filter/ },
    { sql: "SELECT * FROM '$events/sys/alarm_activated'", code: 'SQL_BAD_EVENT_TOPIC', line: 1, column: 15 },
    { sql: 'SELECT * FROM "a/#/b"', code: 'SQL_BAD_TOPIC_FILTER', line: 1, column: 15 },
    { sql: 'SELECT * FROM "$events/nothing/#"', code: 'SQL_BAD_EVENT_TOPIC', line: 1, column: 15, message: /matches no event/ },
    { sql: 'SELECT * FROM "$events/#/x"', code: 'SQL_BAD_TOPIC_FILTER', line: 1, column: 15 },
    { sql: 'SELECT * FROM "a+"', code: 'SQL_BAD_TOPIC_FILTER', line: 1, column: 15 },
    { sql: 'SELECT * FROM ""', code: 'SQL_BAD_TOPIC_FILTER', line: 1, column: 15 },
    // A literal pattern is compiled at load: one that could never run fails there, at the pattern.
    {
      sql: 'SELECT regex_match(payload.s, \'a(?=b)\') AS m FROM "t/#"',
      code: 'SQL_BAD_ARGUMENT',
      line: 1,
      column: 31,
      length: 8,
      message: /lookaround.*offset 1/,
    },
    { sql: 'SELECT 1 AS x FROM "t/#"\n  WHERE regex_match(payload.s, \'(a)\\1\')', code: 'SQL_BAD_ARGUMENT', line: 2, column: 32, message: /back references/ },
    {
      sql: "SELECT regex_replace(payload.s, '(', 'x') AS m FROM \"t/#\"",
      code: 'SQL_BAD_ARGUMENT',
      line: 1,
      column: 33,
      message: /invalid regular expression/,
    },
    { sql: 'SELECT regex_extract(payload.s, \'(?R)\') AS m FROM "t/#"', code: 'SQL_BAD_ARGUMENT', line: 1, column: 33 },
  ];
  for (const c of cases) {
    it(`rejects ${JSON.stringify(c.sql)} with ${c.code} at ${c.line}:${c.column}`, () => {
      const e = compileError(c.sql);
      assert.equal(e.code, c.code, e.message);
      assert.equal(e.line, c.line, e.message);
      assert.equal(e.column, c.column, e.message);
      if (c.length !== undefined) assert.equal(e.length, c.length);
      if (c.message !== undefined) assert.match(e.detail, c.message);
    });
  }

  it('a pattern that arrives at run time and cannot run is a counted rule error of its clause, not a load error', () => {
    const rule = compileRule('SELECT regex_match(payload.s, payload.re) AS m FROM "t/#"');
    assert.deepEqual(run('SELECT regex_match(payload.s, payload.re) AS m FROM "t/#"', { payload: '{"s":"ab","re":"^a"}' }), { m: true });
    assert.throws(
      () => run('SELECT regex_match(payload.s, payload.re) AS m FROM "t/#"', { payload: '{"s":"ab","re":"a(?=b)"}' }),
      (e: unknown) => e instanceof Error && e.name === 'RuleEvalError' && /not supported/.test(String((e as { cause?: unknown }).cause)),
    );
    assert.equal(rule.warnings.length, 0);
  });

  it('reports compile errors in file coordinates for embedded SQL', () => {
    const e = compileError('SELECT\n  nosuch(1) AS x FROM "t/#"', { line: 20, column: 9, offset: 500 });
    assert.equal(e.line, 21);
    assert.equal(e.column, 3);
    assert.equal(e.offset, 509);
    assert.equal(e.format('rules.sql'), 'rules.sql:21:3: SQL_UNKNOWN_FUNCTION: unknown function \'nosuch\'\n  nosuch(1) AS x FROM "t/#"\n  ^^^^^^');
  });

  it('accepts emqx_rule_funcs.f(...) as the function f', () => {
    assert.deepEqual(run('SELECT emqx_rule_funcs.upper(\'a\') AS u FROM "t/#"'), { u: 'A' });
  });
});

describe('compiled rule metadata', () => {
  it('lists FROM entries without quotes and the event types they select', () => {
    const r = compileRule(`SELECT * FROM "t/#", 'x/+', plain, "$events/client_connected", "$events/message_dropped"`);
    assert.deepEqual(r.from, ['t/#', 'x/+', 'plain', '$events/client_connected', '$events/message_dropped']);
    assert.deepEqual(r.eventTypes, ['message_publish', 'client_connected', 'message_dropped']);
    assert.equal(r.isForeach, false);
    assert.equal(compileRule('FOREACH payload.l FROM "t"').isForeach, true);
  });

  it('warns at load time about constructs EMQX always rejects at run time, with positions', () => {
    const r = compileRule('SELECT topic() AS t FROM "t/#"\nWHERE clientid NOT IN (\'a\') OR payload.flag');
    assert.deepEqual(
      r.warnings.map((w) => [w.code, w.line, w.column]),
      [
        ['SQL_WARN_IOT_FUNCTION_UNDEFINED', 1, 8],
        ['SQL_WARN_ALWAYS_RAISES', 2, 7],
        ['SQL_WARN_ALWAYS_RAISES', 2, 32],
      ],
    );
    assert.deepEqual(compileRule('SELECT payload.a AS a FROM "t/#" WHERE topic(1) = \'t\'').warnings, []);
  });
});

describe('rule runtime error codes', () => {
  it('lists every RULE_* code used in the rule compiler and tester', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    const mine = /^(compile.*|paths|values|context|topic-match|tester|errors)\.ts$/;
    const used = new Set<string>();
    for (const f of readdirSync(join(root, 'rules')).filter((n) => mine.test(n))) {
      for (const m of readFileSync(join(root, 'rules', f), 'utf8').matchAll(/'(RULE_[A-Z_]+)'/g)) used.add(m[1]);
    }
    for (const code of used) assert.ok(code in RULE_ERROR_CODES, `${code} is used but not in RULE_ERROR_CODES`);
    assert.ok(used.size >= 2);
  });
});
