import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitString } from '../../../rules/functions/bitstring.js';
import { call, hex, raises, table } from './helpers.js';

table([
  ['base64_encode', ['hello'], 'aGVsbG8='],
  ['base64_encode', [hex('CB48CD')], 'y0jN'],
  ['base64_encode', [''], ''],
  ['base64_decode', ['aGVsbG8='], Buffer.from('hello')],
  ['base64_decode', ['y0jN'], hex('cb48cd')],
  ['base64_decode', ['AQ ID BA=='], hex('01020304')],
  ['base64_decode', ['AQIDBA='], raises()],
  ['base64_decode', ['AQIDBA'], raises()],
  ['base64_decode', ['a*=='], raises()],
  ['base64_decode', ['aGVs-G8='], raises()],
  ['base64_decode', [5], raises()],
  ['json_encode', [[1, 2, 3]], '[1,2,3]'],
  ['json_encode', [{ a: 1, b: 2 }], '{"b":2,"a":1}'],
  ['json_encode', [{ b: { y: 1, x: 2 }, a: [{ k: 1, j: 2 }] }], '{"b":{"y":1,"x":2},"a":[{"k":1,"j":2}]}'],
  ['json_encode', ['a"b\n/é'], '"a\\"b\\n/é"'],
  ['json_encode', [undefined], '"undefined"'],
  ['json_encode', [{ a: undefined }], '{"a":"undefined"}'],
  ['json_encode', [null], 'null'],
  ['json_encode', [1.5], '1.5'],
  ['json_encode', [hex('6869')], '"hi"'],
  ['json_encode', [new BitString(hex('80'), 1)], raises()],
  ['json_decode', ['{"a": 1}'], { a: 1 }],
  ['json_decode', ['[{"value": 1}]'], [{ value: 1 }]],
  ['json_decode', ['5'], 5],
  ['json_decode', ['"s"'], 's'],
  ['json_decode', [hex('7b7d')], {}],
  ['json_decode', ['{bad'], raises()],
  ['json_decode', [''], raises()],
  ['json_decode', [{ a: 1 }], raises()],
  ['term_encode', ['abc'], hex('836d00000003616263')],
  ['term_encode', [{ a: 1 }], hex('8374000000016d000000016161' + '01')],
  ['term_encode', [[1, 2, 3]], hex('836b0003010203')],
  ['term_encode', [[]], hex('836a')],
  ['term_encode', [[1, 'a']], hex('836c00000002' + '6101' + '6d0000000161' + '6a')],
  ['term_encode', [true], hex('837704' + '74727565')],
  ['term_encode', [undefined], hex(`837709${Buffer.from('undefined').toString('hex')}`)],
  ['term_encode', [300], hex('83620000012c')],
  ['term_encode', [-1], hex('8362ffffffff')],
  ['term_encode', [2 ** 40], hex('836e0600' + '000000000001')],
  ['term_encode', [1.5], hex('8346' + '3ff8000000000000')],
  ['term_decode', [hex('836d00000003616263')], 'abc'],
  ['term_decode', [hex('836d00000002ff00')], hex('ff00')],
  ['term_decode', [hex('8364000474727565')], true],
  ['term_decode', [hex('8373' + '02' + '6f6b')], 'ok'],
  ['term_decode', [hex('8368' + '02' + '7302' + '6f6b' + '6101')], ['ok', 1]],
  ['term_decode', [hex('836e0801' + '0000000000000001')], -(2 ** 56)],
  ['term_decode', [hex(`8363${Buffer.from('1.50000000000000000000e+00'.padEnd(31, '\0')).toString('hex')}`)], 1.5],
  ['term_decode', [hex('836d0000000361626300')], raises()],
  ['term_decode', [hex('8358')], raises()],
  ['term_decode', [hex('00')], raises()],
  ['term_decode', ['abc'], raises()],
]);

test('term_decode(term_encode(V)) gives back V for the common term types', () => {
  const values: unknown[] = [
    'abc',
    '',
    { a: 1 },
    { '3': [1, 2, 4] },
    [1, 2, 300, -5, 2 ** 60, 1.25],
    { nested: { list: ['x', { y: null }], t: true, f: false } },
    -123456789012,
    0,
    Number.MAX_SAFE_INTEGER,
  ];
  for (const v of values) assert.deepEqual(call('term_decode', call('term_encode', v)), v);
});

test('term_decode reads compressed terms (term_to_binary with the compressed option)', async () => {
  const { deflateSync } = await import('node:zlib');
  const inner = hex('6d00000003616263');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(inner.length);
  const bin = Buffer.concat([hex('8350'), size, deflateSync(inner)]);
  assert.equal(call('term_decode', bin), 'abc');
});

test('json_decode(json_encode(V)) gives back V', () => {
  const values = [{ a: [1, 2, { b: 'x' }], c: null, d: true }, [], 'str', 1.5, 0];
  for (const v of values) assert.deepEqual(call('json_decode', call('json_encode', v)), v);
});
