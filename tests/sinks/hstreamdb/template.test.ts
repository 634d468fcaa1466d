import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hstreamRoot } from '../../../sinks/hstreamdb/proto.js';
import { RecordEncoder } from '../../../sinks/hstreamdb/record.js';
import { compileRecordTemplate, compileTextTemplate, lookup } from '../../../sinks/hstreamdb/template.js';
import { parseJsonTemplate } from '../../../sinks/hstreamdb/template-parse.js';
import type { RecordFormat } from '../../../sinks/hstreamdb/config.js';
import { SinkError } from '../../../sinks/errors.js';
import { structToJs } from '../../support/hstream-server.js';

const root = hstreamRoot();
const HRecord = root.lookupType('hstream.server.HStreamRecord');
const Struct = root.lookupType('google.protobuf.Struct');

type Decoded = { flag: 'JSON' | 'RAW'; key: string; value: unknown; raw: Buffer };

/** Renders a row as the sink does and decodes it as HStreamDB's readers do. */
function render(template: string, row: Record<string, unknown>, format: RecordFormat = 'auto', partitionKey = ''): Decoded {
  const enc = new RecordEncoder({ recordTemplate: template, recordFormat: format, partitionKey });
  const rec = HRecord.decode(enc.encode(row)) as unknown as { header: { flag?: number; key?: string }; payload: Uint8Array };
  const raw = Buffer.from(rec.payload ?? []);
  const flag = rec.header.flag === 1 ? 'RAW' : 'JSON';
  const value = flag === 'JSON' ? structToJs(Struct.decode(raw) as never) : raw.toString('utf8');
  return { flag, key: rec.header.key ?? '', value, raw };
}

const HOSTILE = [
  'a"b',
  'back\\slash',
  'brace}',
  '{"x":1}',
  'line\nbreak',
  'sep\u2028arator',
  '${x}',
  '${payload}',
  '"},"evil":"1',
  '\\u0000',
  'tab\t',
  'emoji 🚀',
  'lone \ud800 surrogate',
  '\u0000nul',
  '',
  ' ',
  'x'.repeat(300),
];

test('a JSON-shaped object template becomes a JSON HRecord with typed values', () => {
  const r = render('{"n": ${n}, "s": ${s}, "b": ${b}, "nul": ${nul}, "missing": ${nope}, "o": ${o}, "a": ${a}, "buf": ${buf}}', {
    n: 27.5,
    s: '27.5',
    b: true,
    nul: null,
    o: { x: [1, 'two', null, { y: false }] },
    a: [],
    buf: Buffer.from('héllo'),
  });
  assert.equal(r.flag, 'JSON');
  assert.deepEqual(r.value, { n: 27.5, s: '27.5', b: true, nul: null, missing: null, o: { x: [1, 'two', null, { y: false }] }, a: [], buf: 'héllo' });
});

test('non-finite numbers become null and bigints numbers', () => {
  const r = render('{"a": ${a}, "b": ${b}, "c": ${c}, "d": ${d}}', { a: NaN, b: Infinity, c: -Infinity, d: 12n });
  assert.deepEqual(r.value, { a: null, b: null, c: null, d: 12 });
});

test('hostile strings in values and string literals keep exactly the template keys', () => {
  const tpl = '{"id": ${clientid}, "tag": "dev-${clientid}-${payload}", "p": ${payload}, "k": 1}';
  for (const s of HOSTILE) {
    const r = render(tpl, { clientid: s, payload: s });
    assert.equal(r.flag, 'JSON');
    const v = r.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['id', 'tag', 'p', 'k'], JSON.stringify(s));
    const expected = Buffer.from(s, 'utf8').toString('utf8'); // lone surrogates become U+FFFD on the wire
    assert.equal(v.id, expected);
    assert.equal(v.p, expected);
    assert.equal(v.tag, Buffer.from(`dev-${s}-${s}`, 'utf8').toString('utf8'));
    assert.equal(v.k, 1);
  }
});

test('hostile strings written as RAW JSON text still parse with exactly the template keys', () => {
  const tpl = '{"id": ${clientid}, "tag": "dev-${clientid}", "n": ${n}}';
  for (const s of HOSTILE) {
    const r = render(tpl, { clientid: s, n: 1 }, 'raw');
    assert.equal(r.flag, 'RAW');
    const parsed = JSON.parse(r.raw.toString('utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['id', 'tag', 'n']);
    // JSON.stringify escapes lone surrogates (\ud800), so RAW JSON text round-trips every string exactly.
    assert.equal(parsed.tag, `dev-${s}`);
    assert.equal(parsed.id, s);
  }
});

test('random strings round-trip through a placeholder value unchanged (law: decode(render(v)) = v)', () => {
  const alphabet = ['a', '"', '\\', '}', '{', '$', '\n', '\u2028', 'é', '🚀', '\u0001', ' ', ':', ','];
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 300; i++) {
    let s = '';
    const len = Math.floor(rand() * 200);
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    assert.deepEqual(render('{"v": ${v}, "w": "<${v}>"}', { v: s }).value, { v: s, w: `<${s}>` });
  }
});

test('${payload.x.y} reaches into a JSON payload string or Buffer; non-JSON payloads give null', () => {
  const tpl = '{"t": ${payload.x.y}, "all": ${payload.x}, "id": "${payload.id}"}';
  const payload = JSON.stringify({ x: { y: 21.5 }, id: 'dev-9' });
  assert.deepEqual(render(tpl, { payload }).value, { t: 21.5, all: { y: 21.5 }, id: 'dev-9' });
  assert.deepEqual(render(tpl, { payload: Buffer.from(payload) }).value, { t: 21.5, all: { y: 21.5 }, id: 'dev-9' });
  assert.deepEqual(render(tpl, { payload: { x: { y: 'obj' }, id: 3 } }).value, { t: 'obj', all: { y: 'obj' }, id: '3' });
  assert.deepEqual(render(tpl, { payload: 'not json' }).value, { t: null, all: null, id: '' });
});

test('lookups read own properties only', () => {
  assert.equal(lookup({ a: 1 }, ['constructor']), undefined);
  assert.equal(lookup({ a: { b: 2 } }, ['a', 'toString']), undefined);
  assert.deepEqual(lookup({ a: 1 }, []), { a: 1 });
  assert.equal(lookup({ a: [1, 2] }, ['a', '0']), undefined);
});

test('${.} is the whole row', () => {
  assert.deepEqual(render('{"row": ${.}}', { a: 1, b: 'x' }).value, { row: { a: 1, b: 'x' } });
});

test('template keys may hold placeholders, rendered as text', () => {
  assert.deepEqual(render('{"${k}_v": ${v}}', { k: 'a"b', v: 1 }).value, { 'a"b_v': 1 });
});

test('long and nested values widen length prefixes correctly', () => {
  const big = { text: 'é'.repeat(12_000), list: Array.from({ length: 300 }, (_, i) => ({ i, s: 'x'.repeat(i) })) };
  assert.deepEqual(render('{"big": ${big}, "after": 1}', { big }).value, { big, after: 1 });
});

test('constant parts of a template are written as they are', () => {
  assert.deepEqual(render('{"const": {"a": [1, "b", true, null]}, "x": ${x}, "s": "plain \\"q\\" \\u00e9"}', { x: 1 }).value, {
    const: { a: [1, 'b', true, null] },
    x: 1,
    s: 'plain "q" é',
  });
});

test('record modes: auto picks struct for objects, RAW text otherwise; json and raw force the format', () => {
  const cases: [string, RecordFormat, string, 0 | 1][] = [
    ['{"a": ${a}}', 'auto', 'struct', 0],
    ['${payload}', 'auto', 'text', 1],
    ['temp=${temp}', 'auto', 'text', 1],
    ['[${a}, ${b}]', 'auto', 'json-text', 1],
    ['{"a": ${a}}', 'raw', 'json-text', 1],
    ['${payload}', 'json', 'parse-json', 0],
    ['{"a": ${a}', 'auto', 'text', 1],
    ['{"a": ${a}${b}}', 'auto', 'text', 1],
  ];
  for (const [tpl, format, mode, flag] of cases) {
    const t = compileRecordTemplate(tpl, format);
    assert.deepEqual([t.mode, t.flag], [mode, flag], `${tpl} ${format}`);
  }
});

test('text templates render missing values as empty text and keep Buffers byte-exact when alone', () => {
  assert.deepEqual(render('t=${temp};h=${hum};m=${missing}', { temp: 27.5, hum: '41.8' }), {
    flag: 'RAW',
    key: '',
    value: 't=27.5;h=41.8;m=',
    raw: Buffer.from('t=27.5;h=41.8;m='),
  });
  const bin = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
  assert.deepEqual(render('${payload}', { payload: bin }).raw, bin);
  assert.equal(render('${payload}', { payload: { a: 1 } }).value, '{"a":1}');
});

test('record_format = json parses a JSON payload into an HRecord and rejects non-objects', () => {
  assert.deepEqual(render('${payload}', { payload: '{"temp": 27.5, "id": "d"}' }, 'json').value, { temp: 27.5, id: 'd' });
  assert.deepEqual(render('${payload}', { payload: { temp: 1 } }, 'json').value, { temp: 1 });
  assert.deepEqual(render('{"a": ${a}}', { a: 2 }, 'json').value, { a: 2 });
  for (const payload of ['[1,2]', 'not json', '42', undefined]) {
    assert.throws(
      () => render('${payload}', { payload }, 'json'),
      (e: unknown) => e instanceof SinkError && e.code === 'SINK_RECORD_UNENCODABLE',
      String(payload),
    );
  }
});

test('cyclic values make the row unencodable instead of hanging', () => {
  const o: Record<string, unknown> = {};
  o.self = o;
  assert.throws(
    () => render('{"o": ${o}}', { o }),
    (e: unknown) => e instanceof SinkError && e.code === 'SINK_RECORD_UNENCODABLE',
  );
});

test('partition keys are text templates; the key lands in the record header', () => {
  assert.equal(render('{"a": 1}', { clientid: 'dev-1' }, 'auto', '${clientid}').key, 'dev-1');
  assert.equal(render('{"a": 1}', { id: 7 }, 'auto', 'k-${id}-${missing}').key, 'k-7-');
  assert.equal(compileTextTemplate('').render({}), '');
  assert.equal(compileTextTemplate('fixed').render({}), 'fixed');
  assert.equal(compileTextTemplate('${a.b}').render({ a: { b: null } }), 'null');
  assert.equal(compileTextTemplate('${unterminated').render({}), '${unterminated');
  assert.equal(compileTextTemplate('${}').render({}), '${}');
});

test('the template parser knows JSON from text', () => {
  assert.equal(parseJsonTemplate('{"a": "x\ny"}'), undefined); // raw control character: not JSON
  assert.equal(parseJsonTemplate('{"a": 01}'), undefined);
  assert.equal(parseJsonTemplate("{'a': 1}"), undefined);
  assert.deepEqual(parseJsonTemplate(' ${a.b} '), { kind: 'var', path: ['a', 'b'] });
  assert.deepEqual(parseJsonTemplate('"x${a}"'), { kind: 'interp', parts: ['x', { path: ['a'] }] });
});
