import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRuleTestJson, testRule, toRuleTestValue } from '../../rules/tester.js';

/** EMQX's 412 body, with the reason rulemq adds. */
const notMatch = (reason: string) => ({ status: 412, body: { code: 'NOT_MATCH', message: 'SQL Not Match', reason } });
const WHERE_FALSE = notMatch('WHERE is false for this context');

function bad(res: { status: number; body: unknown }): string {
  assert.equal(res.status, 400);
  const body = res.body as { code: string; message: string };
  assert.equal(body.code, 'BAD_REQUEST');
  assert.equal(typeof body.message, 'string');
  return body.message;
}

describe('rule_test: 200', () => {
  it('runs the seed rule on the documented context', () => {
    const res = testRule({
      sql: 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"',
      context: { event_type: 'message_publish', topic: 'temp_hum/emqx', clientid: 'c1', payload: '{"temp": "27.5", "hum": "41.8"}', timestamp: 1700000000000 },
    });
    assert.deepEqual(res, { status: 200, body: { up_timestamp: 1700000000000, client_id: 'c1', temp: '27.5', hum: '41.8' } });
  });

  it('fills EMQX example columns under the context, with event, event_type and a sql_tester rule id', () => {
    const res = testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 't/1', payload: '{"a":1}' } });
    assert.equal(res.status, 200);
    const b = res.body as Record<string, unknown>;
    assert.equal(b.event, 'message.publish');
    assert.equal(b.event_type, 'message_publish');
    assert.equal(b.topic, 't/1');
    assert.equal(b.payload, '{"a":1}');
    assert.equal(b.clientid, 'c_emqx');
    assert.equal(b.username, 'u_emqx');
    assert.equal(b.peerhost, '192.168.0.10');
    assert.equal(b.qos, 1);
    assert.deepEqual(b.flags, {});
    assert.deepEqual(b.pub_props, {
      'Payload-Format-Indicator': 0,
      'Message-Expiry-Interval': 30,
      'User-Property': { foo: 'bar' },
      'User-Property-Pairs': [{ key: 'foo' }, { value: 'bar' }],
    });
    assert.deepEqual(b.client_attrs, { test: 'example' });
    assert.match(String(b.id), /^[0-9A-F]{32}$/);
    assert.match(String((b.metadata as { rule_id: string }).rule_id), /^sql_tester:[0-9a-f]{16}$/);
    assert.equal(typeof b.timestamp, 'number');
  });

  it('renders undefined as "undefined"', () => {
    assert.deepEqual(testRule({ sql: 'SELECT nosuch, payload.x FROM "t/#"', context: { topic: 't/1', payload: '{}' } }), {
      status: 200,
      body: { nosuch: 'undefined', payload: { x: 'undefined' } },
    });
  });

  it('matches event topics against FROM filters with wildcards (emqx_rule_sqltester:test/1, emqx_topic:match_any)', () => {
    const connected = { event_type: 'client_connected', clientid: 'abc' };
    assert.deepEqual(testRule({ sql: 'SELECT clientid, event FROM "$events/#"', context: connected }), {
      status: 200,
      body: { clientid: 'abc', event: 'client.connected' },
    });
    assert.deepEqual(testRule({ sql: 'SELECT event FROM "$events/+"', context: { event_type: 'message_dropped' } }), {
      status: 200,
      body: { event: 'message.dropped' },
    });
    // A publish context is matched by its own topic, which "$events/#" does not match; "#" never matches "$events/...".
    assert.deepEqual(
      testRule({ sql: 'SELECT 1 AS x FROM "$events/#"', context: { topic: 't/1' } }),
      notMatch(`FROM does not match: the context's topic 't/1' matches none of FROM "$events/#"`),
    );
    assert.deepEqual(
      testRule({ sql: 'SELECT 1 AS x FROM "#"', context: connected }),
      notMatch('FROM does not match: the event $events/client_connected matches none of FROM "#"'),
    );
  });

  it("fills EMQX's default columns with EMQX's types: atoms stay atoms (emqx_rule_events:columns_with_exam/1)", () => {
    const rows: Array<[string, string]> = [
      ['message_dropped', 'reason'],
      ['delivery_dropped', 'reason'],
      ['client_disconnected', 'reason'],
      ['client_connack', 'reason_code'],
    ];
    const expected: Record<string, string> = {
      message_dropped: 'no_subscribers',
      delivery_dropped: 'queue_full',
      client_disconnected: 'normal',
      client_connack: 'success',
    };
    for (const [type, col] of rows) {
      const value = expected[type];
      const sql = `SELECT is_str(${col}) AS s, ${col} = '${value}' AS eq, str(${col}) AS t, ${col} AS v FROM "$events/${type}"`;
      assert.deepEqual(testRule({ sql, context: { event_type: type } }), { status: 200, body: { s: false, eq: true, t: value, v: value } }, type);
    }
    // A value given in the context is a string, as EMQX's API schema makes it.
    assert.deepEqual(
      testRule({ sql: 'SELECT is_str(reason) AS s FROM "$events/message_dropped"', context: { event_type: 'message_dropped', reason: 'no_subscribers' } }),
      { status: 200, body: { s: true } },
    );
    // EMQX 5.8's string functions refuse atoms (5.10 accepts them).
    assert.equal(testRule({ sql: 'SELECT upper(reason) AS u FROM "$events/client_disconnected"', context: { event_type: 'client_disconnected' } }).status, 400);
  });

  it('runs event rules: the event topic must be in FROM', () => {
    assert.deepEqual(testRule({ sql: 'SELECT clientid FROM "$events/client_connected"', context: { event_type: 'client_connected', clientid: 'abc' } }), {
      status: 200,
      body: { clientid: 'abc' },
    });
    assert.deepEqual(
      testRule({ sql: 'SELECT clientid FROM "t/#"', context: { event_type: 'client_connected', clientid: 'abc' } }),
      notMatch('FROM does not match: the event $events/client_connected matches none of FROM "t/#"'),
    );
  });

  it('keeps an undefined example column (mountpoint) as "undefined"', () => {
    const res = testRule({ sql: 'SELECT mountpoint, proto_ver, clean_start FROM "$events/client_connected"', context: { event_type: 'client_connected' } });
    assert.deepEqual(res, { status: 200, body: { mountpoint: 'undefined', proto_ver: 5, clean_start: true } });
  });

  it('matches publish contexts against mixed FROM lists (EMQX t_sqlparse_event_3)', () => {
    assert.deepEqual(testRule({ sql: 'select clientid, topic as tp from "t/tt", "$events/client_connected"', context: { clientid: 'abc', topic: 't/tt' } }), {
      status: 200,
      body: { clientid: 'abc', tp: 't/tt' },
    });
    assert.deepEqual(testRule({ sql: 'select clientid, topic as tp from \'t/tt\', "$events/client_connected"', context: { clientid: 'abc', topic: 't/tt' } }), {
      status: 200,
      body: { clientid: 'abc', tp: 't/tt' },
    });
  });

  it('returns the FOREACH array, [] included', () => {
    assert.deepEqual(
      testRule({ sql: 'FOREACH payload.sensors AS s DO s.cmd AS c FROM "t/#"', context: { topic: 't/a', payload: '{"sensors":[{"cmd":1},{"cmd":2}]}' } }),
      {
        status: 200,
        body: [{ c: 1 }, { c: 2 }],
      },
    );
    assert.deepEqual(
      testRule({ sql: 'FOREACH payload.sensors FROM \'t/#\', "$events/client_connected"', context: { topic: 't/a', payload: '{"sensors": 1}' } }),
      {
        status: 200,
        body: [],
      },
    );
  });

  it('accepts known columns beyond EMQX schema (timestamp, flags, pub_props) and an object payload', () => {
    const res = testRule({
      sql: 'SELECT timestamp, flags.retain AS r, pub_props.x AS x, payload.a AS a FROM "t/#"',
      context: { topic: 't/1', timestamp: 5, flags: { retain: true }, pub_props: { x: 'y' }, payload: { a: [1] } },
    });
    assert.deepEqual(res, { status: 200, body: { timestamp: 5, r: true, x: 'y', a: [1] } });
  });

  it('uses the session_subscribed context fields', () => {
    assert.deepEqual(testRule({ sql: 'select topic as tp from "$events/session_subscribed"', context: { event_type: 'session_subscribed', topic: 't/tt' } }), {
      status: 200,
      body: { tp: 't/tt' },
    });
  });
});

describe('rule_test: 412', () => {
  it('answers NOT_MATCH when the topic does not match FROM', () => {
    assert.deepEqual(
      testRule({ sql: 'SELECT * FROM "t/#", "u/+"', context: { topic: 'x/1' } }),
      notMatch(`FROM does not match: the context's topic 'x/1' matches none of FROM "t/#", "u/+"`),
    );
  });
  it('answers NOT_MATCH when the context has no topic (empty topic)', () => {
    assert.deepEqual(testRule({ sql: 'SELECT * FROM "t/#"', context: {} }), notMatch('FROM does not match: the context has no topic (FROM "t/#")'));
  });
  it('answers NOT_MATCH when WHERE is false', () => {
    assert.deepEqual(testRule({ sql: 'SELECT * FROM "t/#" WHERE qos = 2', context: { topic: 't/1' } }), WHERE_FALSE);
  });
  it('answers NOT_MATCH when a FOREACH WHERE is false', () => {
    assert.deepEqual(testRule({ sql: 'FOREACH payload.l FROM "t/#" WHERE false', context: { topic: 't/1', payload: '{"l":[1]}' } }), WHERE_FALSE);
  });
});

describe('rule_test: 400', () => {
  it('reports syntax errors with line and column', () => {
    const msg = bad(testRule({ sql: 'SELECT a\nWHERE b', context: { topic: 't/1' } }));
    assert.equal(msg, "SQL_UNEXPECTED_TOKEN at line 2, column 1: expected FROM but found 'WHERE'");
  });
  it('reports load errors (unknown function) with line and column', () => {
    assert.match(bad(testRule({ sql: 'SELECT nope(1) FROM "t/#"', context: { topic: 't/1' } })), /^SQL_UNKNOWN_FUNCTION at line 1, column 8: /);
  });
  it('reports evaluation errors the way EMQX names them', () => {
    const msg = bad(testRule({ sql: 'SELECT payload.x FROM "t/#"', context: { topic: 't/1', payload: 'not json' } }));
    assert.match(msg, /^\{"select_and_transform_error":"decode_json_failed"\} /);
    assert.match(
      bad(testRule({ sql: 'SELECT 1 AS x FROM "t/#" WHERE x NOT IN (1)', context: { topic: 't/1' } })),
      /^\{"match_conditions_error":"function_clause"\} /,
    );
    assert.match(
      bad(testRule({ sql: 'SELECT abs(\'a\') AS x FROM "t/#"', context: { topic: 't/1' } })),
      /^\{"select_and_transform_error":"bad_sql_function_argument"\} abs\(\): /,
    );
    assert.match(
      bad(testRule({ sql: 'FOREACH payload.l DO 1 / 0 AS x FROM "t/#"', context: { topic: 't/1', payload: '{"l":[1]}' } })),
      /^\{"doeach_error":"badarith"\} /,
    );
    assert.match(
      bad(testRule({ sql: 'FOREACH payload.l INCASE \'a\' FROM "t/#"', context: { topic: 't/1', payload: '{"l":[1]}' } })),
      /^\{"match_incase_error":"function_clause"\} /,
    );
  });
  it('rejects an unknown event type', () => {
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { event_type: 'nope' } })), /unknown event type "nope"/);
  });
  it('rejects context fields the event does not have', () => {
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 't/1', from_clientid: 'x' } })), /unknown field 'from_clientid'/);
    assert.match(
      bad(testRule({ sql: 'SELECT * FROM "$events/client_connected"', context: { event_type: 'client_connected', payload: 'x' } })),
      /unknown field 'payload'/,
    );
  });
  it('rejects context values of the wrong type', () => {
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 't/1', qos: 3 } })), /context\.qos: expected a QoS/);
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 1 } })), /context\.topic: expected a string/);
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 't', timestamp: 'x' } })), /context\.timestamp: expected an integer/);
    assert.match(bad(testRule({ sql: 'SELECT * FROM "t/#"', context: { topic: 't', event: 'client.connected' } })), /context\.event/);
  });
  it('rejects malformed request bodies', () => {
    bad(testRule(null));
    bad(testRule('SELECT'));
    assert.match(bad(testRule({ context: {} })), /"sql" is required/);
    assert.match(bad(testRule({ sql: 'SELECT 1 FROM t', context: [] })), /"context" must be/);
    assert.match(bad(testRule({ sql: 'SELECT 1 FROM t', extra: 1 })), /unknown field 'extra'/);
  });
});

describe('rule_test JSON rendering', () => {
  it('renders undefined as "undefined" and bytes as UTF-8 text, at any depth', () => {
    const v = { a: undefined, b: Buffer.from('hé'), c: [undefined, null, 1.5, { d: new Uint8Array([104, 105]) }], e: -0 };
    assert.deepEqual(toRuleTestValue(v), { a: 'undefined', b: 'hé', c: ['undefined', null, 1.5, { d: 'hi' }], e: 0 });
    assert.equal(renderRuleTestJson(v), '{"a":"undefined","b":"hé","c":["undefined",null,1.5,{"d":"hi"}],"e":0}');
    assert.equal(renderRuleTestJson([undefined]), '["undefined"]');
  });
});
