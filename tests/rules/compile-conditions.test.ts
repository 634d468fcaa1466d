import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, runError, type Case } from './compile-helpers.js';

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.title ?? `${c.sql} ${c.context ? JSON.stringify(c.context) : ''}`, () => {
        assert.deepEqual(run(c.sql, c.context), c.expected);
      });
    }
  });
}

/** `SELECT <expr> AS r FROM "t/#"` → r. */
function value(exprSql: string, context?: Record<string, unknown>): unknown {
  return (run(`SELECT ${exprSql} AS r FROM "t/#"`, context) as { r: unknown }).r;
}

/** Whether `WHERE <cond>` lets the message through. */
function where(condSql: string, context?: Record<string, unknown>): boolean {
  return run(`SELECT 1 AS one FROM "t/#" WHERE ${condSql}`, context) !== null;
}

describe('comparison (EMQX compare/3)', () => {
  const cases: Array<[string, unknown, Record<string, unknown>?]> = [
    ["'1.0' = 1", true],
    ["'01' = 1", true],
    ["'-2' < 0", true],
    ["'20' > 10", true],
    ["'2' > '10'", true],
    ['1 = 1.0', true],
    ["true = 'true'", true],
    ["'false' = false", true],
    ["payload.n = 'null'", true, { payload: '{"n":null}' }],
    ['x != 1', false],
    ['x = 1', false],
    ['x <> 1', false],
    ['x < 1', false],
    ['x = x', true],
    ['x = y', true],
    ['x <= y', true],
    ['x < y', false],
    ['x != y', false],
    ['payload.x = null', true, { payload: '{}' }],
    ['payload.x = null', false, { payload: '{"x":null}' }],
    ["'abc' < 'abd'", true],
    ["'b' > 'abc'", true],
    ['[1,2] < [1,3]', true],
    ['[1,2] < [1,2,0]', true],
    ['1 < true', true],
    ['false < true', true],
    ['payload.m < payload.l', true, { payload: '{"m":{"a":1},"l":[]}' }],
    ['payload.m = payload.m2', true, { payload: '{"m":{"a":1,"b":[1]},"m2":{"b":[1],"a":1}}' }],
    ['payload.m = payload.m2', false, { payload: '{"m":{"a":1},"m2":{"a":2}}' }],
    ["topic =~ 't/#'", true],
    ["topic =~ 't/+/x'", false],
    ["'$SYS/x' =~ '#'", false],
    ["'$SYS/x' =~ '$SYS/#'", true],
    ["'a/b' =~ 'a/+'", true],
    ["'a' =~ 'a/#'", true],
    ['1 =~ 1', false],
  ];
  for (const [sql, expected, ctx] of cases) {
    it(`${sql} is ${String(expected)}${ctx ? ` on ${JSON.stringify(ctx)}` : ''}`, () => {
      assert.equal(value(sql, ctx), expected);
    });
  }

  for (const sql of ["' 1' = 1", "'abc' = 1", "'1e3' = 1", "'1.' = 1", "1 > 'x'", "'a' ~= 'b'"]) {
    it(`${sql} fails the rule (EMQX raises)`, () => {
      const e = runError(`SELECT ${sql} AS r FROM "t/#"`);
      assert.equal(e.clause, 'SELECT');
    });
  }

  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    assert.equal(value("'😀' > 'ｚ'"), true);
    assert.equal(value("'é' > 'z'"), true);
  });
});

describe('IN', () => {
  const cases: Array<[string, boolean, Record<string, unknown>?]> = [
    ['1 IN (1, 2)', true],
    ['3 IN (1, 2)', false],
    ["'1' IN (1)", false],
    ["clientid IN ('a', 'c_emqx')", true],
    ['x IN (y)', true],
    ['x IN (1)', false],
    ['payload.m IN (payload.m2)', true, { payload: '{"m":{"a":[1]},"m2":{"a":[1]}}' }],
    ['qos IN (0, 1 + 0)', true],
  ];
  for (const [sql, expected, ctx] of cases) {
    it(`WHERE ${sql} is ${String(expected)}`, () => {
      assert.equal(where(sql, ctx), expected);
    });
  }
});

describe('NOT, AND, OR and what a condition may be', () => {
  const cases: Array<[string, boolean, Record<string, unknown>?]> = [
    ["NOT topic = 'x'", true],
    ["NOT topic = 't/a'", false],
    ['NOT payload.flag', true, { payload: '{"flag":false}' }],
    ['NOT payload.flag', false, { payload: '{"flag":true}' }],
    ['NOT 1', false],
    ["NOT 'true'", false],
    ['NOT is_null(clientid)', true],
    ['true', true],
    ['false', false],
    ['false AND upper(1)', false],
    ['true OR x NOT IN (1)', true],
    ["clientid = 'c_emqx' AND (qos = 0 OR qos = 1)", true],
    ['qos = 0 OR qos = 2', false],
    ['is_null(nosuch)', true],
  ];
  for (const [sql, expected, ctx] of cases) {
    it(`WHERE ${sql} is ${String(expected)}`, () => {
      assert.equal(where(sql, ctx), expected);
    });
  }

  const raising: Array<[string, Record<string, unknown>?]> = [
    ["clientid NOT IN ('a')"],
    ["NOT clientid IN ('a')"],
    ['NOT (qos = 1 AND qos = 2)'],
    ['NOT NOT true'],
    ['payload.flag', { payload: '{"flag":true}' }],
    ['clientid'],
    ['1'],
    ['(qos + 1)'],
    ["upper('a')"],
    ["upper('a') AND true"],
    ["true AND upper('a')"],
    ["qos = 2 OR upper('a') AND false"],
  ];
  for (const [sql, ctx] of raising) {
    it(`WHERE ${sql} fails the rule (EMQX raises)`, () => {
      const e = runError(`SELECT 1 AS one FROM "t/#" WHERE ${sql}`, ctx);
      assert.equal(e.clause, 'WHERE');
    });
  }
});

describe('arithmetic', () => {
  const cases: Array<[string, unknown, Record<string, unknown>?]> = [
    ['1 + 2', 3],
    ["'1' + 2", '12'],
    ["'a' + x", 'aundefined'],
    ["'a' + 'b'", 'ab'],
    ['6 / 3', new Number(2)], // emqx_rule_funcs:'/'/2 is Erlang '/': always a float
    ['7 / 2', 3.5],
    ['-7 div 2', -3],
    ['7 div 2', 3],
    ['-7 mod 3', -1],
    ['7 mod -3', 1],
    ['2 * 3 - 1', 5],
    ['2 - 3 - 4', -5],
    ['-(2)', -2],
    ['- -2', 2],
    ["+'abc'", 'abc'],
    ['div(7, 2)', 3],
    ['mod(3, 2)', 1],
    ['2 mod 2', 0],
    ['4 div 2', 2],
    ['1 - 1', 0],
    ['-1 + 1', 0],
    ['+1', 1],
    ['payload.a * 2', new Number(5), { payload: '{"a":2.5}' }],
    ['1.5e3 + 1', new Number(1501)],
  ];
  for (const [sql, expected, ctx] of cases) {
    it(`${sql} = ${JSON.stringify(expected)}`, () => {
      assert.deepStrictEqual(value(sql, ctx), expected);
    });
  }
  for (const sql of ['1 + true', '1 + x', '1 / 0', '0 / 0', "-'a'", '2.5 div 1', "1 - 'a'", '5 mod 0', '5 div 0', "'2' * 2", '1.0e308 * 10']) {
    it(`${sql} fails the rule`, () => {
      assert.equal(runError(`SELECT ${sql} AS r FROM "t/#"`).clause, 'SELECT');
    });
  }
});

table('CASE', [
  ...[
    ['1', 1],
    ['0', 0],
    ['-1', 0],
    ['7', 7],
    ['8', 7],
  ].map(([x, y]) => ({
    title: `searched CASE with x = ${x} gives ${y} (EMQX t_sqlparse_case_when_1)`,
    sql: 'SELECT CASE WHEN payload.x < 0 THEN 0 WHEN payload.x > 7 THEN 7 ELSE payload.x END AS y FROM "t/#"',
    context: { payload: `{"x": ${x}}` },
    expected: { y },
  })),
  ...[
    ['1', 2],
    ['2', 3],
    ['4', 4],
    ['8', 4],
  ].map(([x, y]) => ({
    title: `switch CASE with x = ${x} gives ${y} (EMQX t_sqlparse_case_when_2)`,
    sql: 'SELECT CASE payload.x WHEN 1 THEN 2 WHEN 2 THEN 3 ELSE 4 END AS y FROM "t/#"',
    context: { payload: `{"x": ${x}}` },
    expected: { y },
  })),
  {
    title: 'no matching branch and no ELSE gives undefined',
    sql: 'SELECT CASE WHEN payload.x < 0 THEN 0 END AS y FROM "t/#"',
    context: { payload: '{"x":1}' },
    expected: { y: undefined },
  },
  {
    title: 'switch CASE matches exactly (no string coercion)',
    sql: "SELECT CASE '1' WHEN 1 THEN 'num' WHEN '1' THEN 'str' END AS r FROM \"t/#\"",
    expected: { r: 'str' },
  },
  {
    title: 'a WHEN whose function returns a non-boolean counts as false',
    sql: 'SELECT CASE WHEN upper(\'a\') THEN 1 ELSE 2 END AS r FROM "t/#"',
    expected: { r: 2 },
  },
  { title: 'CASE as a function argument', sql: "SELECT upper(CASE WHEN qos = 1 THEN 'one' ELSE 'other' END) AS r FROM \"t/#\"", expected: { r: 'ONE' } },
  { title: 'CASE with a comparison THEN value', sql: 'SELECT CASE WHEN true THEN qos = 1 END AS r FROM "t/#"', expected: { r: true } },
]);

describe('CASE errors', () => {
  it('a bare field as a WHEN condition fails (EMQX raises)', () => {
    assert.equal(runError('SELECT CASE WHEN payload.flag THEN 1 END AS r FROM "t/#"', { payload: '{"flag":true}' }).clause, 'SELECT');
  });
  it('AND in a switch-CASE WHEN fails when reached', () => {
    assert.equal(runError('SELECT CASE qos WHEN qos = 1 AND true THEN 1 END AS r FROM "t/#"').clause, 'SELECT');
  });
});

table('IoT shortcut functions (EMQX 5.8: undefined in SELECT, working in WHERE)', [
  {
    sql: 'SELECT topic() AS t, topic(1) AS t1, qos() AS q, flags() AS f, flag(\'retain\') AS fr, clientid() AS c, username() AS u, peerhost() AS p, msgid() AS m, payload() AS pl FROM "t/#"',
    expected: { t: undefined, t1: undefined, q: undefined, f: {}, fr: undefined, c: undefined, u: undefined, p: undefined, m: undefined, pl: undefined },
  },
  {
    title: 'every shortcut reads its column in WHERE',
    sql: "SELECT 1 AS ok FROM \"t/#\" WHERE topic() = 't/a' AND topic(2) = 'a' AND qos() = 1 AND flag('retain') = false AND flags() = flags AND username() = 'u_emqx' AND peerhost() = '192.168.0.10' AND clientip() = peerhost AND msgid() = id AND payload() = payload",
    expected: { ok: 1 },
  },
  { title: 'clientid() is undefined even in WHERE', sql: 'SELECT 1 AS ok FROM "t/#" WHERE clientid() = clientid', expected: null },
  {
    title: 'payload(path) reads a selected payload map in WHERE',
    sql: 'SELECT payload.a FROM "t/#" WHERE payload(\'a\') = 1',
    context: { payload: '{"a":1}' },
    expected: { payload: { a: 1 } },
  },
  {
    title: 'payload(path) on the raw payload string is undefined',
    sql: 'SELECT 1 AS ok FROM "t/#" WHERE is_null(payload(\'a\'))',
    context: { payload: '{"a":1}' },
    expected: { ok: 1 },
  },
]);

describe('IoT shortcut errors', () => {
  it('topic(n) out of range fails in WHERE', () => {
    assert.equal(runError('SELECT 1 AS ok FROM "t/#" WHERE topic(5) = \'x\'').clause, 'WHERE');
  });
  it("topic('1') fails everywhere (the argument is checked first)", () => {
    assert.equal(runError('SELECT topic(\'1\') AS t FROM "t/#"').clause, 'SELECT');
  });
});

table('EMQX quirks kept on purpose', [
  {
    title: 'an un-aliased payload.a replaces payload in WHERE: payload.b is then undefined',
    sql: 'SELECT payload.a FROM "t/#" WHERE payload.b = 1',
    context: { payload: '{"a":1,"b":1}' },
    expected: null,
  },
  { sql: 'SELECT payload.a AS a FROM "t/#" WHERE payload.b = 1', context: { payload: '{"a":1,"b":1}' }, expected: { a: 1 } },
  {
    title: 'SELECT payload keeps the column payload for payload paths in WHERE',
    sql: 'SELECT payload FROM "t/#" WHERE payload.b = 1',
    context: { payload: '{"a":1,"b":1}' },
    expected: { payload: '{"a":1,"b":1}' },
  },
  {
    title: 'undefined = undefined is true, so a missing field "equals" another missing one',
    sql: 'SELECT a, b FROM "t/#" WHERE a = b',
    expected: { a: undefined, b: undefined },
  },
  { sql: 'SELECT a, b FROM "t/#" WHERE a > b', context: { payload: '{"b":1}' }, expected: null },
  { sql: 'SELECT a < b AS c FROM "t/#"', context: { payload: '{"b":1}' }, expected: { c: false } },
]);
