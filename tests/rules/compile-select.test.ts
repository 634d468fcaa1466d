import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../rules/compile.js';
import { createEventContext } from '../../rules/context.js';
import { messageColumns, run, runError, type Case } from './compile-helpers.js';

const SEED = 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"';

/** `o` plus an own enumerable `__proto__` key (which an object literal cannot express). */
function withOwnProto(o: Record<string, unknown>, v: unknown): Record<string, unknown> {
  Object.defineProperty(o, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function table(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.title ?? `${c.sql} ${c.context ? JSON.stringify(c.context) : ''}`, () => {
        assert.deepEqual(run(c.sql, c.context), c.expected);
      });
    }
  });
}

table('SELECT: the seed rule and columns', [
  {
    title: 'the seed rule selects timestamp, clientid and two payload fields under their aliases',
    sql: SEED,
    context: { topic: 'temp_hum/emqx', payload: '{"temp": "27.5", "hum": "41.8"}', clientid: 'dev-1', timestamp: 1700000000123 },
    expected: { up_timestamp: 1700000000123, client_id: 'dev-1', temp: '27.5', hum: '41.8' },
  },
  { sql: 'SELECT clientid, username FROM "t/#"', expected: { clientid: 'c_emqx', username: 'u_emqx' } },
  {
    title: 'missing columns and fields are kept as undefined',
    sql: 'SELECT nosuch, payload.nosuch AS y FROM "t/#"',
    expected: { nosuch: undefined, y: undefined },
  },
  { sql: 'SELECT "topic", "a b" FROM "t/#"', expected: { topic: 't/a', 'a b': undefined } },
  { sql: 'SELECT payload FROM "t/#"', expected: { payload: '{"msg": "hello"}' } },
  { sql: 'SELECT pub_props.\'User-Property\'.foo AS up FROM "t/#"', expected: { up: 'bar' } },
  { sql: 'SELECT flags.retain AS r FROM "t/#"', expected: { r: false } },
  {
    title: 'null and undefined are ordinary names (no NULL literal)',
    sql: 'SELECT null AS a, undefined AS b FROM "t/#"',
    expected: { a: undefined, b: undefined },
  },
  {
    title: 'SELECT * copies every column, payload as a string',
    sql: 'SELECT * FROM "t/#"',
    context: { payload: '{"a":1}' },
    expected: messageColumns({ payload: '{"a":1}' }),
  },
  { title: 'later fields override * keys', sql: 'SELECT *, \'x\' AS clientid FROM "t/#"', expected: messageColumns({ clientid: 'x' }) },
  {
    title: 'the metadata column is undefined when the rule is compiled without an id',
    sql: 'SELECT metadata.rule_id AS id FROM "t/#"',
    expected: { id: undefined },
  },
]);

describe('SELECT: metadata', () => {
  it('adds metadata.rule_id per rule (and to SELECT *) when compiled with a ruleId', () => {
    assert.deepEqual(run('SELECT metadata.rule_id AS id, metadata FROM "t/#"', {}, { ruleId: 'r1' }), { id: 'r1', metadata: { rule_id: 'r1' } });
    const all = run('SELECT * FROM "t/#"', {}, { ruleId: 'r1' }) as Record<string, unknown>;
    assert.deepEqual(all.metadata, { rule_id: 'r1' });
  });
});

table('SELECT: alias resolution', [
  {
    title: 'a later field sees an earlier alias first',
    sql: 'SELECT payload.cid AS clientid, clientid AS c2 FROM "t/#"',
    context: { payload: '{"cid":"p"}' },
    expected: { clientid: 'p', c2: 'p' },
  },
  {
    title: 'an alias that is undefined falls back to the column in SELECT',
    sql: 'SELECT payload.cid AS clientid, clientid AS c2 FROM "t/#"',
    context: { payload: '{}' },
    expected: { clientid: undefined, c2: 'c_emqx' },
  },
  {
    title: 'WHERE tests the alias, not the column',
    sql: 'SELECT payload.cid AS clientid FROM "t/#" WHERE clientid = \'p\'',
    context: { payload: '{"cid":"p"}' },
    expected: { clientid: 'p' },
  },
  {
    title: 'WHERE sees an undefined alias as undefined (it does not fall back)',
    sql: 'SELECT payload.cid AS clientid FROM "t/#" WHERE clientid = \'c_emqx\'',
    context: { payload: '{}' },
    expected: null,
  },
  {
    title: 'cascaded aliases: paths into an alias and alias paths (EMQX t_sqlselect_0)',
    sql: "SELECT payload.cmd AS cmd, cmd.info AS meta.info FROM \"t/#\" WHERE cmd.info = 'tt' AND meta.info = 'tt'",
    context: { payload: '{"cmd": {"info":"tt"}}' },
    expected: { cmd: { info: 'tt' }, meta: { info: 'tt' } },
  },
  {
    title: 'WHERE on a path into the payload (EMQX t_sqlselect_0)',
    sql: 'SELECT * FROM "t/#" WHERE payload.cmd.info = \'tt\'',
    context: { payload: '{"cmd": {"info":"tt"}}' },
    expected: messageColumns({ payload: '{"cmd": {"info":"tt"}}' }),
  },
  {
    title: 'json_decode(payload) AS p then p.x in WHERE (EMQX t_sqlselect_1)',
    sql: 'SELECT json_decode(payload) AS p, payload FROM "t1" WHERE p.x = 1 AND p.y = 2',
    context: { payload: '{"x":1,"y":2}', topic: 't1' },
    expected: { p: { x: 1, y: 2 }, payload: '{"x":1,"y":2}' },
  },
]);

table('SELECT: output keys', [
  {
    title: 'un-aliased paths keep their shape',
    sql: 'SELECT payload.a, payload.b FROM "t/#"',
    context: { payload: '{"a":1,"b":2,"c":3}' },
    expected: { payload: { a: 1, b: 2 } },
  },
  {
    title: 'an un-aliased indexed path nests into a one-element list (EMQX t_sqlparse_array_index_1)',
    sql: 'SELECT payload.x[2].y FROM "t/#"',
    context: { payload: '{"x": [1, {"y": 3}, 4]}' },
    expected: { payload: { x: [{ y: 3 }] } },
  },
  { title: 'a string constant names its own key', sql: "SELECT 'abc', 'a.b' FROM \"t/#\"", expected: { abc: 'abc', 'a.b': 'a.b' } },
  {
    title: 'other un-aliased expressions get _v_ keys numbered by field position',
    sql: 'SELECT 1, true, [1,2], [1..2], 1 + 1, a < b, abs(-1), CASE WHEN true THEN 1 END, 7 div 2, CASE 1 WHEN 1 THEN 2 END FROM "t/#"',
    expected: {
      _v_const_1_1: 1,
      _v_const_true_2: true,
      _v_list_2_3: [1, 2],
      '_v_range_{1,2}_4': [1, 2],
      "_v_op_'+'_5": 2,
      "_v_op_'<'_6": false,
      _v_fun_abs_7: 1,
      '_v_case_<<>>_8': 1,
      _v_op_div_9: 3,
      _v_case_switch_10: 2,
    },
  },
  {
    title: 'an un-aliased slice keeps its path',
    sql: 'SELECT payload.a[1..2], l[2..3] FROM "t/#"',
    context: { payload: '{"a":[1,2,3]}', l: [5, 6, 7] },
    expected: { payload: { a: [1, 2] }, l: [6, 7] },
  },
  {
    title: 'aliases with paths nest, [-0] appends and [0] prepends (EMQX t_sqlparse_array_index_2)',
    sql: 'SELECT payload.x AS b, 1 AS c[-0], 2 AS c[-0], b AS c[0] FROM "t/#"',
    context: { payload: '{"x": 0}' },
    expected: { b: 0, c: [0, 1, 2] },
  },
  { sql: 'SELECT [] AS c, 1 AS c[-0], 2 AS c[-0], 0 AS c[0] FROM "t/#"', expected: { c: [0, 1, 2] } },
  {
    sql: 'SELECT [payload.a, "topic", \'c\'] AS c, 1 AS c[-0], 2 AS c[-0], 0 AS c[0] FROM "t/#"',
    context: { payload: '{"a":11}' },
    expected: { c: [0, 11, 't/a', 'c', 1, 2] },
  },
  { sql: 'SELECT [1..4] AS c, 5 AS c[-0], 6 AS c[-0], 0 AS c[0] FROM "t/#"', expected: { c: [0, 1, 2, 3, 4, 5, 6] } },
  {
    title: 'setting an index replaces in range and leaves the list alone out of range',
    sql: 'SELECT [1,2,3] AS c, 9 AS c[2], 8 AS c[-1], 7 AS c[5] FROM "t/#"',
    expected: { c: [1, 9, 8] },
  },
  {
    title: 'an index alias on a non-list makes a one-element list',
    sql: 'SELECT \'x\' AS c, 1 AS c[3], 2 AS d.e[2] FROM "t/#"',
    expected: { c: [1], d: { e: [2] } },
  },
  {
    title: 'an index-by-variable alias resolves against the output',
    sql: 'SELECT 2 AS i, [1,2,3] AS c, 9 AS c[i] FROM "t/#"',
    expected: { i: 2, c: [1, 9, 3] },
  },
  { sql: 'SELECT true AS a, false AS b, false AS x.y, true AS c[-0] FROM "t/#"', expected: { a: true, b: false, x: { y: false }, c: [true] } },
  { sql: 'SELECT [21 + 21, abs(-abs(-2)), [1 + 1], 4] AS l FROM "t/#"', expected: { l: [42, 2, [2], 4] } },
  { title: 'a bare alias (no AS)', sql: 'SELECT clientid cid, payload.msg m FROM "t/#"', expected: { cid: 'c_emqx', m: 'hello' } },
]);

table('SELECT: payload', [
  {
    title: 'selecting payload then payload.a keeps only the written keys',
    sql: 'SELECT payload, payload.a FROM "t/#"',
    context: { payload: '{"a":1,"b":2}' },
    expected: { payload: { a: 1 } },
  },
  {
    title: 'payload then AS payload.x adds to the whole decoded payload',
    sql: 'SELECT payload, 1 AS payload.x FROM "t/#"',
    context: { payload: '{"a":1,"b":2}' },
    expected: { payload: { a: 1, b: 2, x: 1 } },
  },
  {
    title: '* then an un-aliased payload path decodes the whole payload',
    sql: 'SELECT *, payload.a FROM "t/#"',
    context: { payload: '{"a":1,"b":2}' },
    expected: messageColumns({ payload: { a: 1, b: 2 } }),
  },
  {
    title: '* then AS payload.x keeps only x (EMQX key kinds differ)',
    sql: 'SELECT *, 1 AS payload.x FROM "t/#"',
    context: { payload: '{"a":1}' },
    expected: messageColumns({ payload: { x: 1 } }),
  },
  {
    title: 'payload, payload.x[2].y keeps the whole x list (EMQX t_sqlparse_array_index_3)',
    sql: 'SELECT payload, payload.x[2].y FROM "t/#"',
    context: { payload: '{"x": [1,{"y": [1,2]},3]}' },
    expected: { payload: { x: [1, { y: [1, 2] }, 3] } },
  },
  { sql: 'SELECT payload.x[2].y AS b.c FROM "t/#"', context: { payload: '{"x": [1,{"y": [1,2]},3]}' }, expected: { b: { c: [1, 2] } } },
  { sql: 'SELECT 0 AS payload.x[2].y FROM "t/#"', context: { payload: '{"x": [1,{"y": [1,2]},3]}' }, expected: { payload: { x: [{ y: 0 }] } } },
  {
    title: 'payload.x then AS payload.x[2].y edits the selected list (EMQX t_sqlparse_array_index_4)',
    sql: 'SELECT payload.x, 0 AS payload.x[2].y FROM "t/#"',
    context: { payload: '{"x": [1,{"y": [1,2]},3]}' },
    expected: { payload: { x: [1, { y: 0 }, 3] } },
  },
  {
    title: 'AS payload.data[1].name rewrites one field of the whole payload (EMQX t_sqlselect_as_put)',
    sql: 'SELECT payload, \'STEVE\' AS payload.data[1].name FROM "t/#"',
    context: { payload: '{"f1":"f1","f2":"f2","data":[{"name":"n1","idx":1},{"name":"n2","idx":2}]}' },
    expected: {
      payload: {
        f1: 'f1',
        f2: 'f2',
        data: [
          { name: 'STEVE', idx: 1 },
          { name: 'n2', idx: 2 },
        ],
      },
    },
  },
  {
    title: 'map_get results written into the payload (EMQX t_sqlparse_payload_as)',
    sql: "SELECT payload, map_get('engineWorkTime', payload.params, -1) AS payload.params.engineWorkTime, map_get('hydOilTem', payload.params, -1) AS payload.params.hydOilTem FROM \"t/#\"",
    context: { payload: '{ "msgId": 1002, "params": { "convertTemp": 20, "engineSpeed": 42 } }' },
    expected: { payload: { msgId: 1002, params: { convertTemp: 20, engineSpeed: 42, engineWorkTime: -1, hydOilTem: -1 } } },
  },
  {
    title: 'a path into an alias of payload decodes it (EMQX t_sqlparse_nested_get)',
    sql: 'SELECT payload AS p, p.a.b AS c FROM "t/#"',
    context: { payload: '{"a": {"b": 0}}' },
    expected: { p: '{"a": {"b": 0}}', c: 0 },
  },
  {
    title: 'a JSON string met along a path is decoded',
    sql: 'SELECT payload.inner.k AS k FROM "t/#"',
    context: { payload: '{"inner":"{\\"k\\":5}"}' },
    expected: { k: 5 },
  },
  {
    title: 'a string that is not JSON along a path gives undefined',
    sql: 'SELECT payload.inner.k AS k FROM "t/#"',
    context: { payload: '{"inner":"plain"}' },
    expected: { k: undefined },
  },
  {
    title: 'json_decode(payload) AS p, p[1] (EMQX t_sqlparse_array_index_1)',
    sql: 'SELECT json_decode(payload) AS p, p[1] AS a FROM "t/#"',
    context: { payload: '[{"x": 1}]' },
    expected: { p: [{ x: 1 }], a: { x: 1 } },
  },
]);

table('SELECT: paths and indexes', [
  {
    title: 'indexes are 1-based, negative from the end, 0 and out of range give undefined, keys on non-maps give undefined',
    sql: 'SELECT payload.l[1] AS a, payload.l[-1] AS b, payload.l[0] AS c, payload.l[4] AS d, payload.l[-4] AS e, payload.l.x AS f, payload.1 AS g, payload.s[1] AS h FROM "t/#"',
    context: { payload: '{"l":[10,20,30],"1":"one","s":"str"}' },
    expected: { a: 10, b: 30, c: undefined, d: undefined, e: undefined, f: undefined, g: 'one', h: undefined },
  },
  {
    title: 'an index variable resolves against the root of its path (payload.l[i] reads payload.i)',
    sql: 'SELECT payload.l[i] AS a, payload.l[payload.i] AS b FROM "t/#"',
    context: { payload: '{"l":[10,20,30],"i":2}', i: 3 },
    expected: { a: 20, b: undefined },
  },
  {
    title: 'an index variable on a column path reads the columns',
    sql: 'SELECT l[n] AS x, l[m] AS y FROM "t/#"',
    context: { l: [1, 2, 3], n: 2, m: 'a' },
    expected: { x: 2, y: undefined },
  },
  {
    title: 'slices are inclusive, negative bounds count from the end, and clip at the end',
    sql: 'SELECT payload.a[1..4] AS c, payload.a[-2..-1] AS d, payload.a[2..1] AS e, payload.a[1..10] AS f, payload.a[7..9] AS g FROM "t/#"',
    context: { payload: '{"a":[0,1,2,3,4,5]}' },
    expected: { c: [0, 1, 2, 3], d: [4, 5], e: [], f: [0, 1, 2, 3, 4, 5], g: [] },
  },
  { sql: 'SELECT payload.a[1..4] FROM "t/#"', context: { payload: '{"a":[0,1,2,3,4,5]}' }, expected: { payload: { a: [0, 1, 2, 3] } } },
  {
    title: 'deep paths through maps and lists',
    sql: 'SELECT payload.a.b[3].c AS x, payload.a.b[-1].c AS y FROM "t/#"',
    context: { payload: '{"a":{"b":[1,2,{"c":3}]}}' },
    expected: { x: 3, y: 3 },
  },
  {
    title: 'JSON null stays null; paths through it are undefined',
    sql: 'SELECT payload.n AS n, payload.n.x AS nx FROM "t/#"',
    context: { payload: '{"n":null}' },
    expected: { n: null, nx: undefined },
  },
  {
    title: 'keys named like Object.prototype members are plain keys',
    sql: 'SELECT payload.constructor AS c, payload.toString AS t, payload."__proto__" AS p, 1 AS "__proto__".x FROM "t/#"',
    context: { payload: '{"toString":1,"__proto__":5}' },
    expected: withOwnProto({ c: undefined, t: 1, p: 5 }, { x: 1 }),
  },
]);

describe('SELECT: runtime errors', () => {
  const cases: Array<{ sql: string; context?: Record<string, unknown>; reason: string }> = [
    { sql: 'SELECT payload.x AS x FROM "t/#"', context: { payload: 'not json' }, reason: 'decode_json_failed' },
    { sql: 'SELECT payload.x[1..2] AS x FROM "t/#"', context: { payload: '{"x":{}}' }, reason: 'range_get' },
    { sql: 'SELECT payload.a[0..2] AS x FROM "t/#"', context: { payload: '{"a":[1,2]}' }, reason: 'invalid_index' },
    { sql: 'SELECT payload.a[2..0] AS x FROM "t/#"', context: { payload: '{"a":[1,2]}' }, reason: 'invalid_index' },
    { sql: 'SELECT payload.a[-9..1] AS x FROM "t/#"', context: { payload: '{"a":[1,2]}' }, reason: 'function_clause' },
    { sql: 'SELECT [5..3] AS x FROM "t/#"', reason: 'function_clause' },
    { sql: 'SELECT \'abc\' AS payload, payload.x AS x FROM "t/#"', reason: 'decode_json_failed' },
    { sql: 'SELECT payload, 1 AS payload.x FROM "t/#"', context: { payload: 'text' }, reason: 'decode_json_failed' },
  ];
  for (const c of cases) {
    it(`fails in SELECT with ${c.reason}: ${c.sql}`, () => {
      const e = runError(c.sql, c.context);
      assert.equal(e.clause, 'SELECT');
      assert.equal(e.reason, c.reason);
      assert.equal(e.code, 'RULE_EVAL_ERROR');
    });
  }
});

describe('SELECT: evaluation is repeatable', () => {
  it('returns a fresh output object per evaluation and never mutates the context or its decoded payload', () => {
    const rule = compileRule('SELECT payload.obj AS o, 1 AS o.added, payload FROM "t/#"');
    const ctx = createEventContext(messageColumns({ payload: '{"obj":{"k":1}}' }));
    const a = rule.evaluate(ctx) as Record<string, unknown>;
    const b = rule.evaluate(ctx) as Record<string, unknown>;
    assert.notEqual(a, b);
    assert.deepEqual(a, { o: { k: 1, added: 1 }, payload: '{"obj":{"k":1}}' });
    assert.deepEqual(b, a);
    const again = compileRule('SELECT payload.obj AS o FROM "t/#"').evaluate(ctx) as Record<string, unknown>;
    assert.deepEqual(again.o, { k: 1 });
  });
});
