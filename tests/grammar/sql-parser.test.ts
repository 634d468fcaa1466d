import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSql } from '../../grammar/index.js';
import { ast, cond, expr, idx, key, num, path, str } from './sql-helpers.js';

describe('rule SQL parser: statements', () => {
  it('parses the seed rule into fields with aliases and a quoted FROM topic', () => {
    assert.deepEqual(ast('SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"'), {
      kind: 'Select',
      fields: [
        { kind: 'Field', expr: path('timestamp'), alias: path('up_timestamp') },
        { kind: 'Field', expr: path('clientid'), alias: path('client_id') },
        { kind: 'Field', expr: path('payload', key('temp')), alias: path('temp') },
        { kind: 'Field', expr: path('payload', key('hum')), alias: path('hum') },
      ],
      from: [{ topic: 'temp_hum/emqx', quote: 'double' }],
      where: null,
    });
  });

  it('accepts *, a bare alias without AS, and several FROM entries of every quoting kind', () => {
    assert.deepEqual(ast(`SELECT *, clientid cid FROM "t/#", 't/+', topic, "$events/client_connected"`), {
      kind: 'Select',
      fields: [{ kind: 'Star' }, { kind: 'Field', expr: path('clientid'), alias: path('cid') }],
      from: [
        { topic: 't/#', quote: 'double' },
        { topic: 't/+', quote: 'single' },
        { topic: 'topic', quote: 'none' },
        { topic: '$events/client_connected', quote: 'double' },
      ],
      where: null,
    });
  });

  it('parses path aliases: nested keys, index, append [-0] and prepend [0]', () => {
    const s = ast('SELECT 1 AS a.b, 2 AS c[1], 3 AS c[-0], 4 AS c[0], 5 AS "x y".z FROM t');
    assert.deepEqual(
      s.fields.map((f) => (f.kind === 'Field' ? f.alias : null)),
      [path('a', key('b')), path('c', idx(1)), path('c', { kind: 'Tail' }), path('c', { kind: 'Head' }), path('x y', key('z'))],
    );
  });

  it('parses FOREACH with DO, INCASE and WHERE', () => {
    assert.deepEqual(ast('FOREACH payload.sensors AS s DO s.cmd AS msg_type INCASE s.cmd != 1 FROM "t/#" WHERE clientid = \'c\''), {
      kind: 'Foreach',
      fields: [{ kind: 'Field', expr: path('payload', key('sensors')), alias: path('s') }],
      doFields: [{ kind: 'Field', expr: path('s', key('cmd')), alias: path('msg_type') }],
      incase: { kind: 'Compare', op: '!=', left: path('s', key('cmd')), right: num(1) },
      from: [{ topic: 't/#', quote: 'double' }],
      where: { kind: 'Compare', op: '=', left: path('clientid'), right: str('c') },
    });
  });

  it('parses FOREACH with only INCASE, and several FOREACH expressions', () => {
    const s = ast('FOREACH json_decode(payload) AS p, p.list INCASE item > 1 FROM t');
    assert.equal(s.kind, 'Foreach');
    if (s.kind !== 'Foreach') return;
    assert.equal(s.fields.length, 2);
    assert.equal(s.doFields, null);
    assert.deepEqual(s.incase, { kind: 'Compare', op: '>', left: path('item'), right: num(1) });
  });

  it('treats keywords case-insensitively and `selected` as a name', () => {
    assert.deepEqual(ast('select x selected from t where x = 1'), ast('SELECT x AS selected FROM t WHERE x = 1'));
  });
});

describe('rule SQL parser: expressions', () => {
  const cases: Array<{ sql: string; expected: unknown }> = [
    { sql: '1', expected: num(1) },
    { sql: '1.5e3', expected: num(1500, '1.5e3', true) },
    { sql: "'a b'", expected: str('a b') },
    { sql: "'it''s'", expected: str("it''s") },
    { sql: "'a\\nb'", expected: str('a\\nb') },
    { sql: 'true', expected: { kind: 'Bool', value: true } },
    { sql: 'false', expected: { kind: 'Bool', value: false } },
    { sql: 'TRUE', expected: path('TRUE') },
    { sql: '"true"', expected: path('true') },
    { sql: 'null', expected: path('null') },
    { sql: '"topic"', expected: path('topic') },
    { sql: 'payload.a.b', expected: path('payload', key('a'), key('b')) },
    { sql: 'payload."a b"', expected: path('payload', key('a b')) },
    { sql: "pub_props.'User-Property'", expected: path('pub_props', key('User-Property')) },
    { sql: 'payload.1', expected: path('payload', key('1')) },
    { sql: 'a[1]', expected: path('a', idx(1)) },
    { sql: 'a[-1]', expected: path('a', idx(-1)) },
    { sql: 'a[+2]', expected: path('a', idx(2)) },
    { sql: 'a[0]', expected: path('a', { kind: 'Head' }) },
    { sql: 'a[-0]', expected: path('a', { kind: 'Tail' }) },
    { sql: 'payload.x[2].y', expected: path('payload', key('x'), idx(2), key('y')) },
    { sql: 'a[i]', expected: path('a', { kind: 'IndexVar', path: path('i') }) },
    { sql: 'a[b.c[1]]', expected: path('a', { kind: 'IndexVar', path: path('b', key('c'), idx(1)) }) },
    { sql: 'a[1..2]', expected: { kind: 'Slice', target: path('a'), from: 1, to: 2 } },
    { sql: 'payload.a[-2..-1]', expected: { kind: 'Slice', target: path('payload', key('a')), from: -2, to: -1 } },
    { sql: '[1..3]', expected: { kind: 'Range', from: 1, to: 3 } },
    { sql: '[]', expected: { kind: 'Array', items: [] } },
    // rulesql 0.2 (EMQX 5.8's parser) takes one trailing comma in a list literal.
    { sql: '[1, 2, ]', expected: { kind: 'Array', items: [num(1), num(2)] } },
    { sql: '[1,]', expected: { kind: 'Array', items: [num(1)] } },
    { sql: "[1, 'a', x.y]", expected: { kind: 'Array', items: [num(1), str('a'), path('x', key('y'))] } },
    {
      sql: '[21 + 21, [1]]',
      expected: {
        kind: 'Array',
        items: [
          { kind: 'Binary', op: '+', left: num(21), right: num(21) },
          { kind: 'Array', items: [num(1)] },
        ],
      },
    },
    { sql: 'abs(x)', expected: { kind: 'Call', module: null, name: 'abs', args: [path('x')] } },
    { sql: 'now_timestamp()', expected: { kind: 'Call', module: null, name: 'now_timestamp', args: [] } },
    { sql: '"upper"(x)', expected: { kind: 'Call', module: null, name: 'upper', args: [path('x')] } },
    { sql: 'emqx_rule_funcs.upper(x)', expected: { kind: 'Call', module: 'emqx_rule_funcs', name: 'upper', args: [path('x')] } },
    { sql: 'div(7, 2)', expected: { kind: 'Call', module: null, name: 'div', args: [num(7), num(2)] } },
    {
      sql: 'f(a = 1, b + 1 > 2)',
      expected: {
        kind: 'Call',
        module: null,
        name: 'f',
        args: [
          { kind: 'Compare', op: '=', left: path('a'), right: num(1) },
          { kind: 'Compare', op: '>', left: { kind: 'Binary', op: '+', left: path('b'), right: num(1) }, right: num(2) },
        ],
      },
    },
    { sql: '1 + 2 * 3', expected: { kind: 'Binary', op: '+', left: num(1), right: { kind: 'Binary', op: '*', left: num(2), right: num(3) } } },
    { sql: '(1 + 2) * 3', expected: { kind: 'Binary', op: '*', left: { kind: 'Binary', op: '+', left: num(1), right: num(2) }, right: num(3) } },
    { sql: '1 - 2 - 3', expected: { kind: 'Binary', op: '-', left: { kind: 'Binary', op: '-', left: num(1), right: num(2) }, right: num(3) } },
    { sql: '7 div 2 mod 3', expected: { kind: 'Binary', op: 'mod', left: { kind: 'Binary', op: 'div', left: num(7), right: num(2) }, right: num(3) } },
    { sql: '-a * b AS x', expected: { kind: 'Binary', op: '*', left: { kind: 'Unary', op: '-', operand: path('a') }, right: path('b') } },
    { sql: '-1 + 1', expected: { kind: 'Binary', op: '+', left: { kind: 'Unary', op: '-', operand: num(1) }, right: num(1) } },
    { sql: 'a < b', expected: { kind: 'Compare', op: '<', left: path('a'), right: path('b') } },
    { sql: "a =~ 't/#'", expected: { kind: 'Compare', op: '=~', left: path('a'), right: str('t/#') } },
  ];
  for (const c of cases) {
    it(`parses SELECT ${c.sql}`, () => {
      assert.deepEqual(expr(c.sql), c.expected);
    });
  }

  it('parses searched and switch CASE forms', () => {
    assert.deepEqual(expr("CASE WHEN a > 1 THEN 'x' WHEN b THEN 2 ELSE 'y' END"), {
      kind: 'Case',
      subject: null,
      whens: [
        { when: { kind: 'Compare', op: '>', left: path('a'), right: num(1) }, then: str('x') },
        { when: path('b'), then: num(2) },
      ],
      otherwise: str('y'),
    });
    assert.deepEqual(expr('CASE payload.x WHEN 1 THEN 2 END'), {
      kind: 'Case',
      subject: path('payload', key('x')),
      whens: [{ when: num(1), then: num(2) }],
      otherwise: null,
    });
    assert.deepEqual(expr('(CASE WHEN a THEN 1 END)'), {
      kind: 'Case',
      subject: null,
      whens: [{ when: path('a'), then: num(1) }],
      otherwise: null,
    });
  });

  it('allows CASE as a function argument, also inside arithmetic there', () => {
    assert.deepEqual(expr('abs(CASE WHEN a THEN -1 END + 1)'), {
      kind: 'Call',
      module: null,
      name: 'abs',
      args: [
        {
          kind: 'Binary',
          op: '+',
          left: { kind: 'Case', subject: null, whens: [{ when: path('a'), then: { kind: 'Unary', op: '-', operand: num(1) } }], otherwise: null },
          right: num(1),
        },
      ],
    });
  });
});

describe('rule SQL parser: rulesql leniencies', () => {
  it('accepts and ignores an alias after WHERE (rulesql parses `WHERE expr AS name`)', () => {
    const withAlias = parseSql('SELECT a FROM t WHERE a = 1 AS checked') as { where: unknown };
    const without = parseSql('SELECT a FROM t WHERE a = 1') as { where: unknown };
    assert.deepEqual(
      JSON.stringify(withAlias.where, (k, v: unknown) => (k === 'range' ? undefined : v)),
      JSON.stringify(without.where, (k, v: unknown) => (k === 'range' ? undefined : v)),
    );
  });
  it('also in FOREACH ... WHERE', () => {
    assert.doesNotThrow(() => parseSql('FOREACH payload.l FROM t WHERE payload.ok = true AS x'));
  });
});

describe('rule SQL parser: conditions', () => {
  const cases: Array<{ sql: string; expected: unknown }> = [
    {
      sql: 'a = 1 AND b = 2 OR c = 3',
      expected: {
        kind: 'Or',
        left: {
          kind: 'And',
          left: { kind: 'Compare', op: '=', left: path('a'), right: num(1) },
          right: { kind: 'Compare', op: '=', left: path('b'), right: num(2) },
        },
        right: { kind: 'Compare', op: '=', left: path('c'), right: num(3) },
      },
    },
    {
      sql: 'a = 1 AND (b = 2 OR c = 3)',
      expected: {
        kind: 'And',
        left: { kind: 'Compare', op: '=', left: path('a'), right: num(1) },
        right: {
          kind: 'Or',
          left: { kind: 'Compare', op: '=', left: path('b'), right: num(2) },
          right: { kind: 'Compare', op: '=', left: path('c'), right: num(3) },
        },
      },
    },
    {
      sql: 'NOT a = 1 AND b',
      expected: { kind: 'And', left: { kind: 'Not', operand: { kind: 'Compare', op: '=', left: path('a'), right: num(1) } }, right: path('b') },
    },
    { sql: "x IN (1, 'a')", expected: { kind: 'In', value: path('x'), list: [num(1), str('a')] } },
    { sql: 'x NOT IN (1)', expected: { kind: 'Not', operand: { kind: 'In', value: path('x'), list: [num(1)] } } },
    {
      sql: '(a + 1) * 2 > 3',
      expected: {
        kind: 'Compare',
        op: '>',
        left: { kind: 'Binary', op: '*', left: { kind: 'Binary', op: '+', left: path('a'), right: num(1) }, right: num(2) },
        right: num(3),
      },
    },
    { sql: 'is_null(a)', expected: { kind: 'Call', module: null, name: 'is_null', args: [path('a')] } },
    { sql: 'true', expected: { kind: 'Bool', value: true } },
    { sql: 'payload.flag', expected: path('payload', key('flag')) },
    { sql: 'NOT NOT a', expected: { kind: 'Not', operand: { kind: 'Not', operand: path('a') } } },
  ];
  for (const c of cases) {
    it(`parses WHERE ${c.sql}`, () => {
      assert.deepEqual(cond(c.sql), c.expected);
    });
  }

  it('gives every node a source range in file coordinates', () => {
    const s = parseSql('SELECT a,\n  payload.x AS y FROM t', { line: 10, column: 5, offset: 100 });
    const f = s.fields[1];
    assert.equal(f.kind, 'Field');
    if (f.kind !== 'Field') return;
    assert.deepEqual(f.expr.range, { line: 11, column: 3, offset: 112, length: 9 });
    assert.deepEqual(s.fields[0].range, { line: 10, column: 12, offset: 107, length: 1 });
    assert.deepEqual(s.from[0].range, { line: 11, column: 23, offset: 132, length: 1 });
  });
});
