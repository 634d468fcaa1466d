import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from '../../rules/compile.js';
import { createMessageContext, PAYLOAD_JSON, PAYLOAD_MEMBERS, payloadJson, UNSET } from '../../rules/context.js';
import { RuleEvalError } from '../../rules/errors.js';
import { ctxOf, run, runError } from './compile-helpers.js';

describe('payload: Buffer and non-JSON payloads', () => {
  it('reads JSON fields from a Buffer payload and selects the payload as its UTF-8 text', () => {
    const out = run('SELECT payload, payload.t AS t FROM "t/#"', { payload: Buffer.from('{"t":"é"}') });
    assert.deepEqual(out, { payload: '{"t":"é"}', t: 'é' });
  });

  it('selects a non-JSON payload fine but fails any payload field read with decode_json_failed', () => {
    assert.deepEqual(run('SELECT payload FROM "t/#"', { payload: 'hello world' }), { payload: 'hello world' });
    const e = runError('SELECT payload.x AS x FROM "t/#"', { payload: 'hello world' });
    assert.equal(e.clause, 'SELECT');
    assert.equal(e.reason, 'decode_json_failed');
    const w = runError('SELECT payload FROM "t/#" WHERE payload.x = 1', { payload: Buffer.from([0xff, 0xfe, 0x00]) });
    assert.equal(w.clause, 'WHERE');
    assert.equal(w.reason, 'decode_json_failed');
  });

  it('handles binary (non-UTF-8) payloads without throwing when only the raw payload is used', () => {
    const out = run('SELECT payload AS p FROM "t/#"', { payload: Buffer.from([0xc3, 0x28, 0x41]) }) as { p: string };
    assert.equal(typeof out.p, 'string');
    assert.equal(out.p.endsWith('(A'), true);
  });

  it('an empty payload is not JSON', () => {
    assert.equal(runError('SELECT payload.a AS a FROM "t/#"', { payload: '' }).reason, 'decode_json_failed');
  });

  it('a payload that is a JSON scalar gives undefined for fields', () => {
    assert.deepEqual(run('SELECT payload.a AS a FROM "t/#"', { payload: '42' }), { a: undefined });
  });

  it('a JSON-encoded JSON string payload is decoded again along a path', () => {
    assert.deepEqual(run('SELECT payload.a AS a FROM "t/#"', { payload: JSON.stringify(JSON.stringify({ a: 1 })) }), { a: 1 });
  });
});

describe('payload: decoded once per context, shared between rules', () => {
  it('decodes a payload member once for several rules and reuses the same decoded object', () => {
    const r1 = compileRule('SELECT payload.o AS o FROM "t/#"');
    const r2 = compileRule('SELECT payload.o AS o, payload.o.k AS k FROM "t/#" WHERE payload.o.k = 1');
    const ctx = createMessageContext({ topic: 't/a', payload: Buffer.from('{"o":{"k":1}}') });
    const original = JSON.parse;
    let calls = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      calls++;
      return original(text, reviver);
    }) as typeof JSON.parse;
    try {
      const a = r1.evaluate(ctx) as { o: unknown };
      const b = r2.evaluate(ctx) as { o: unknown; k: number };
      assert.equal(a.o, b.o);
      assert.equal(b.k, 1);
    } finally {
      JSON.parse = original;
    }
    assert.equal(calls, 1);
    // Only the member `o` was decoded; the payload as a whole never was.
    assert.equal(ctx[PAYLOAD_JSON], UNSET);
    assert.notEqual(ctx[PAYLOAD_MEMBERS], null);
  });

  it('a member read uses the whole decode when the payload was already decoded whole', () => {
    const r1 = compileRule('SELECT payload.a AS a FROM "t/#"');
    const ctx = createMessageContext({ topic: 't/a', payload: Buffer.from('{"a":{"b":2.0},"c":"x"}') });
    const whole = payloadJson(ctx) as Record<string, unknown>;
    assert.deepEqual(whole, { a: { b: new Number(2) }, c: 'x' });
    const first = r1.evaluate(ctx) as { a: unknown };
    assert.equal(first.a, whole.a, 'the member is read from the whole decode');
    assert.equal(ctx[PAYLOAD_MEMBERS], null, 'and no index is built');
  });

  it('a member read refuses a payload that is JSON up to the member but not after it', () => {
    for (const text of ['{"temp":"27.5", "hum": }', '{"temp":"27.5"} x', '{"temp":"27.5"', '{"temp":"27.5",}', '\ufeff{"temp":1}']) {
      const e = runError('SELECT payload.temp AS t FROM "t/#"', { payload: Buffer.from(text) });
      assert.equal(e.reason, 'decode_json_failed', text);
      assert.match(e.message, /not valid JSON/);
    }
  });

  it('remembers that a payload is not JSON, and every rule reading a field fails', () => {
    const ctx = createMessageContext({ topic: 't/a', payload: 'nope' });
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => compileRule('SELECT payload.a AS a FROM "t/#"').evaluate(ctx),
        (e: unknown) => e instanceof RuleEvalError && e.reason === 'decode_json_failed',
      );
    }
    assert.deepEqual(compileRule('SELECT payload AS p FROM "t/#"').evaluate(ctx), { p: 'nope' });
  });

  it('builds message contexts with every publish column in a fixed order', () => {
    const ctx = createMessageContext({ clientid: 'c', payload: 'x', topic: 't' }, { extra: 1 });
    assert.deepEqual(Object.keys(ctx), [
      'event',
      'id',
      'clientid',
      'username',
      'payload',
      'peerhost',
      'peername',
      'topic',
      'qos',
      'flags',
      'pub_props',
      'publish_received_at',
      'timestamp',
      'node',
      'client_attrs',
      'extra',
    ]);
    assert.equal(ctx.event, 'message.publish');
  });
});

describe('payload: deep nesting, big numbers, unicode', () => {
  it('reads a path 100 levels deep in a 300-level document', () => {
    let doc = '1';
    for (let i = 0; i < 300; i++) doc = `{"a":${doc}}`;
    const path = Array.from({ length: 100 }, () => 'a').join('.');
    const out = run(`SELECT payload.${path}.a.a AS x FROM "t/#"`, { payload: doc }) as { x: unknown };
    let expected: unknown = JSON.parse(doc);
    for (let i = 0; i < 102; i++) expected = (expected as { a: unknown }).a;
    assert.deepEqual(out.x, expected);
  });

  it('reads deeply nested lists by index', () => {
    assert.deepEqual(run('SELECT payload[1][1][1][-1] AS x FROM "t/#"', { payload: '[[[[1,2,3]]]]' }), { x: 3 });
  });

  it('keeps big integers as the nearest double (JS numbers; EMQX integers are unbounded)', () => {
    const out = run('SELECT payload.n AS n, payload.n > 1.0e19 AS big FROM "t/#"', { payload: '{"n": 12345678901234567890}' });
    assert.deepEqual(out, { n: 12345678901234567000, big: true });
  });

  it('fails arithmetic that leaves the number range', () => {
    assert.equal(runError('SELECT payload.f * 10 AS x FROM "t/#"', { payload: '{"f": 1e308}' }).reason, 'badarith');
  });

  it('reads unicode keys and values, and concatenates unicode strings', () => {
    const out = run('SELECT payload."温度" AS t, payload.emoji AS e, payload.emoji + \'!\' AS s FROM "t/#"', { payload: '{"温度": "高", "emoji": "😀"}' });
    assert.deepEqual(out, { t: '高', e: '😀', s: '😀!' });
  });

  it('matches unicode topics', () => {
    const rule = compileRule('SELECT topic FROM "传感器/+"');
    assert.deepEqual(rule.from, ['传感器/+']);
    assert.deepEqual(run("SELECT 1 AS ok FROM \"t/#\" WHERE '传感器/1' =~ '传感器/+'"), { ok: 1 });
  });

  it('evaluates the same compiled rule on many contexts independently', () => {
    const rule = compileRule('SELECT payload.v AS v FROM "t/#" WHERE payload.v > 1');
    const outs = [0, 1, 2, 3].map((v) => rule.evaluate(ctxOf({ payload: `{"v":${v}}` })));
    assert.deepEqual(outs, [null, null, { v: 2 }, { v: 3 }]);
  });
});
