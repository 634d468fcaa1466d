/**
 * Integers and floats as EMQX 5.8 keeps them, checked on the JSON a rule's output renders to (rule_test's
 * encoder), so `2` and `2.0` are told apart. Each row names the EMQX source that shows the behaviour.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../../rules/compile.js';
import { RuleEvalError } from '../../../rules/errors.js';
import { parseJson } from '../../../common/json-parse.js';
import { renderRuleTestJson, testRule } from '../../../rules/tester.js';
import { RecordEncoder } from '../../../sinks/hstreamdb/record.js';
import { jsonText } from '../../../sinks/hstreamdb/struct.js';
import { ctxOf } from '../compile-helpers.js';

interface Row {
  /** SELECT list (`AS r` style), evaluated on a message with `payload`. */
  select: string;
  payload?: string;
  /** The output rendered as rule_test's JSON, or 'raises'. */
  json: string | 'raises';
  /** The EMQX source that shows it. */
  emqx: string;
}

const rows: Row[] = [
  // Numeric `=` compares by value (emqx_rule_runtime:compare/3 falls to Erlang `==`).
  { select: '1 = 1.0 AS r', json: '{"r":true}', emqx: 'emqx_rule_runtime:compare/3 (==)' },
  { select: "2.0 = '2' AS r", json: '{"r":true}', emqx: 'emqx_rule_runtime:compare/3 (binary_to_integer, then float)' },
  // Membership is exact (lists:member/2, pattern matching).
  { select: 'CASE WHEN 1 IN (1.0) THEN true ELSE false END AS r', json: '{"r":false}', emqx: 'emqx_rule_runtime:match_conditions {in, ...} (lists:member)' },
  {
    select: 'CASE WHEN 2.0 IN (1, 2.0) THEN true ELSE false END AS r',
    json: '{"r":true}',
    emqx: 'emqx_rule_runtime:match_conditions {in, ...} (lists:member)',
  },
  { select: 'CASE WHEN (6 / 3) IN (2) THEN true ELSE false END AS r', json: '{"r":false}', emqx: "emqx_rule_funcs:'/'/2 (float) + lists:member" },
  { select: "CASE 1 WHEN 1.0 THEN 'float' WHEN 1 THEN 'int' END AS r", json: '{"r":"int"}', emqx: 'emqx_rule_runtime:eval {case, ...} (=:= match)' },
  { select: 'contains(1, [1.0]) AS r', json: '{"r":false}', emqx: 'emqx_rule_funcs:contains/2 (lists:member)' },
  { select: 'contains([1.0], [[1.0], 2]) AS r', json: '{"r":true}', emqx: 'emqx_rule_funcs:contains/2 (lists:member)' },
  { select: 'contains([1], [[1.0]]) AS r', json: '{"r":false}', emqx: 'emqx_rule_funcs:contains/2 (lists:member, nested exact)' },
  // A float stays a float through arithmetic, conversion and output.
  { select: '6 / 3 AS r', json: '{"r":2.0}', emqx: "emqx_rule_funcs:'/'/2 (Erlang / always gives a float)" },
  { select: '2.5 + 0.5 AS r', json: '{"r":3.0}', emqx: "emqx_rule_funcs:'+'/2 (float + float)" },
  { select: '2.0 * 3 AS r', json: '{"r":6.0}', emqx: "emqx_rule_funcs:'*'/2 (float * integer)" },
  { select: '2 * 3 AS r', json: '{"r":6}', emqx: "emqx_rule_funcs:'*'/2 (integers)" },
  { select: '-(2.0) AS r', json: '{"r":-2.0}', emqx: "emqx_rule_funcs:'-'/1" },
  { select: '-0.0 AS r', json: '{"r":-0.0}', emqx: 'rulesql lexer float + unary minus' },
  { select: 'str(-0.0) AS r', json: '{"r":"-0.0"}', emqx: 'emqx_utils_conv:bin/1 (float_to_binary decimals 10 compact)' },
  { select: 'str(2.0) AS r', json: '{"r":"2.0"}', emqx: 'emqx_utils_conv:bin/1 (float_to_binary decimals 10 compact)' },
  { select: 'str(6 / 3) AS r', json: '{"r":"2.0"}', emqx: 'emqx_utils_conv:bin/1' },
  { select: 'str(2) AS r', json: '{"r":"2"}', emqx: 'emqx_utils_conv:bin/1 (integer_to_binary)' },
  { select: "float('123') AS r", json: '{"r":123.0}', emqx: 'emqx_utils_conv:float/1 + jsx float encoding' },
  { select: 'float(20) AS r', json: '{"r":20.0}', emqx: 'emqx_utils_conv:float/1 (float(20))' },
  { select: 'float2str(20, 2) AS r', json: 'raises', emqx: 'emqx_rule_funcs:float2str/2 (float_to_binary guard is_float)' },
  { select: 'float2str(float(20), 2) AS r', json: '{"r":"20.0"}', emqx: 'emqx_rule_funcs:float2str/2' },
  { select: 'sqrt(9) AS r', json: '{"r":3.0}', emqx: 'emqx_rule_funcs:sqrt/1 (math:sqrt/1 is a float)' },
  { select: 'power(2, 3) AS r', json: '{"r":8.0}', emqx: 'emqx_rule_funcs:power/2 (math:pow/2)' },
  { select: 'round(2.5) AS r', json: '{"r":3}', emqx: 'emqx_rule_funcs:round/1 (erlang:round/1 is an integer)' },
  { select: 'int(2.0) AS r', json: '{"r":2}', emqx: 'emqx_utils_conv:int/1 (floor)' },
  { select: 'is_float(2.0) AS r', json: '{"r":true}', emqx: 'emqx_rule_funcs:is_float/1 (erlang:is_float)' },
  { select: 'is_int(2.0) AS r', json: '{"r":false}', emqx: 'emqx_rule_funcs:is_int/1 (erlang:is_integer)' },
  { select: 'is_float(6 / 3) AS r', json: '{"r":true}', emqx: 'emqx_rule_funcs:is_float/1' },
  { select: "sprintf('~p', 2.0) AS r", json: '{"r":"2.0"}', emqx: 'emqx_rule_funcs:sprintf/2 (io_lib:format ~p)' },
  { select: 'json_encode(float(1)) AS r', json: '{"r":"1.0"}', emqx: 'emqx_utils_json:encode/1 (jiffy prints floats with .0)' },
  { select: 'bin2hexstr(term_encode(2.0)) AS r', json: '{"r":"83464000000000000000"}', emqx: 'erlang:term_to_binary/1 (NEW_FLOAT_EXT)' },
  // JSON payload numbers keep the type they were written with (jiffy decodes 2.0 to a float).
  { select: 'payload.t AS r', payload: '{"t": 20.0}', json: '{"r":20.0}', emqx: 'emqx_rule_maps:nested_get + jiffy:decode/2' },
  { select: 'payload.t AS r', payload: '{"t": 20}', json: '{"r":20}', emqx: 'jiffy:decode/2 (integer)' },
  { select: 'payload.t AS r', payload: '{"t": -0.0}', json: '{"r":-0.0}', emqx: 'jiffy:decode/2 keeps -0.0' },
  { select: 'is_float(payload.t) AS r', payload: '{"t": 20.0}', json: '{"r":true}', emqx: 'erlang:is_float on a decoded 20.0' },
  { select: 'CASE WHEN payload.t IN (20) THEN true ELSE false END AS r', payload: '{"t": 20.0}', json: '{"r":false}', emqx: 'lists:member (20.0 is not 20)' },
  { select: 'payload.t = 20 AS r', payload: '{"t": 20.0}', json: '{"r":true}', emqx: 'compare/3 (20.0 == 20)' },
  { select: 'payload.t + 1 AS r', payload: '{"t": 20.0}', json: '{"r":21.0}', emqx: "emqx_rule_funcs:'+'/2" },
  { select: 'payload AS r', payload: '{"t": 20.0}', json: '{"r":"{\\"t\\": 20.0}"}', emqx: 'payload stays the raw binary' },
  {
    select: "map_get('t', json_decode(payload)) AS r",
    payload: '{"t": 1e3}',
    json: '{"r":1000.0}',
    emqx: 'emqx_rule_funcs:json_decode/1 (jiffy: 1e3 is a float)',
  },
  { select: "json_decode('[12345678901234567890]') AS r", json: '{"r":[12345678901234567890]}', emqx: 'jiffy bignums' },
  // Integers are unbounded.
  { select: '9007199254740993 + 1 AS r', json: '{"r":9007199254740994}', emqx: 'Erlang bignum arithmetic' },
  { select: "int('12345678901234567891') AS r", json: '{"r":12345678901234567891}', emqx: 'emqx_utils_conv:int/1 (binary_to_integer)' },
  { select: '12345678901234567891 div 10 AS r', json: '{"r":1234567890123456789}', emqx: "emqx_rule_funcs:'div'/2" },
];

function render(select: string, payload = '{}'): string {
  const out = compileRule(`SELECT ${select} FROM "t/#"`).evaluate(ctxOf({ payload }));
  return renderRuleTestJson(out);
}

describe('integers and floats are different values (EMQX 5.8)', () => {
  for (const r of rows) {
    it(`${r.select}${r.payload ? ` on ${r.payload}` : ''} → ${r.json}   [${r.emqx}]`, () => {
      if (r.json === 'raises') {
        assert.throws(() => render(r.select, r.payload), RuleEvalError);
        return;
      }
      assert.equal(render(r.select, r.payload), r.json);
    });
  }
});

describe('nanosecond time keeps every digit past 2^53', () => {
  const cases: Array<[string, string, string]> = [
    ["format_date('nanosecond', 0, '%Y-%m-%dT%H:%M:%S.%N', 1708933353472123456) AS r", '{"r":"2024-02-26T07:42:33.472123456"}', 'emqx_utils_calendar:format/4'],
    ["format_date('nanosecond', '+08:00', '%H:%M:%S.%N%:z', 1708933353472123456) AS r", '{"r":"15:42:33.472123456+08:00"}', 'emqx_utils_calendar:format/4'],
    ["unix_ts_to_rfc3339(1708933353472123456, 'nanosecond') AS r", '', 'emqx_rule_funcs:unix_ts_to_rfc3339/2'],
    ["rfc3339_to_unix_ts('2024-02-26T07:42:33.472123456Z', 'nanosecond') AS r", '{"r":1708933353472123456}', 'calendar:rfc3339_to_system_time/2'],
    ["date_to_unix_ts('nanosecond', '%Y-%m-%d %H:%M:%S.%N', '2024-02-26 07:42:33.472123456') AS r", '{"r":1708933353472123456}', 'emqx_utils_calendar:parse/3'],
    [
      "date_to_unix_ts('nanosecond', 3600, '%Y-%m-%d %H:%M:%S.%N', '2024-02-26 07:42:33.472123456') AS r",
      '{"r":1708929753472123456}',
      'emqx_utils_calendar:parse/3 - offset',
    ],
  ];
  for (const [select, json, emqx] of cases) {
    it(`${select} [${emqx}]`, () => {
      if (json === '') assert.match(render(select), /T\d\d:42:33\.472123456[+-]\d\d:\d\d"/);
      else assert.equal(render(select), json);
    });
  }
  it('now_timestamp(nanosecond) is an exact 19-digit integer', () => {
    const text = render("now_timestamp('nanosecond') AS r");
    assert.match(text, /^\{"r":\d{19}\}$/);
  });
});

describe('floats reach the outputs as floats', () => {
  it('rule_test answers 123.0 for float(123)', () => {
    const res = testRule({ sql: 'SELECT float(\'123\') AS f, 6 / 3 AS d, 7 AS i FROM "t/#"', context: { topic: 't/1' } });
    assert.equal(res.status, 200);
    assert.equal(renderRuleTestJson(res.body), '{"f":123.0,"d":2.0,"i":7}');
  });

  it('an HStreamDB JSON record text keeps 123.0, -0.0 and exact big integers', () => {
    assert.equal(
      jsonText({ f: new Number(123), z: new Number(-0), i: 123, b: 12345678901234567891n, x: 1.5 }),
      '{"f":123.0,"z":-0.0,"i":123,"b":12345678901234567891,"x":1.5}',
    );
  });

  it('a record template reaching into a JSON payload string keeps its 2.0', () => {
    const enc = new RecordEncoder({ recordTemplate: '{"t": ${payload.t}, "n": ${payload.n}}', recordFormat: 'raw', partitionKey: '' });
    const bytes = enc.encode({ payload: '{"t": 2.0, "n": 2}' });
    assert.ok(bytes.includes(Buffer.from('{"t":2.0,"n":2}')), bytes.toString('latin1'));
  });

  it('a raw HStreamDB record rendered from a template prints the float as a float', () => {
    const enc = new RecordEncoder({ recordTemplate: '{"t": ${t}, "n": ${n}}', recordFormat: 'raw', partitionKey: '' });
    const row = compileRule('SELECT float(payload.t) AS t, payload.t AS n FROM "t/#"').evaluate(ctxOf({ payload: '{"t": 20}' })) as Record<string, unknown>;
    const bytes = enc.encode(row);
    assert.ok(bytes.includes(Buffer.from('{"t":20.0,"n":20}')), bytes.toString('latin1'));
  });
});

describe('the payload decoder', () => {
  it('reads 2.0 as a float and 2 as an integer, everything else as JSON.parse does', () => {
    const v = parseJson('{"a": 2.0, "b": 2, "c": [1.5, "x.0", {"d": -0.0}], "__proto__": 1}') as Record<string, unknown>;
    assert.ok(v.a instanceof Number && v.a.valueOf() === 2);
    assert.equal(v.b, 2);
    assert.deepEqual(v.c, [1.5, 'x.0', { d: new Number(-0) }]);
    assert.ok(Object.hasOwn(v, '__proto__'));
  });
  it('decodes escapes in strings and top-level scalars', () => {
    assert.deepEqual(parseJson('["a\\"b\\u00e9", 3.0]'), ['a"bé', new Number(3)]);
    assert.equal(parseJson('"2.0"'), '2.0');
  });
  it('throws SyntaxError on bad JSON, as JSON.parse', () => {
    assert.throws(() => parseJson('{"a": 2.0'), SyntaxError);
  });
});
