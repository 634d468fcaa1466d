import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitString } from '../../../rules/functions/bitstring.js';
import { call, hex, raises, table } from './helpers.js';

const B = hex('9F4E58');

table([
  ['bitnot', [10], -11],
  ['bitnot', [-12], 11],
  ['bitnot', [2 ** 40], -(2 ** 40) - 1],
  ['bitand', [10, 8], 8],
  ['bitand', [-10, -8], -16],
  ['bitand', [0xff00ff00ff, 0xffff], 0xff],
  ['bitor', [10, 8], 10],
  ['bitor', [-10, -8], -2],
  ['bitor', [2 ** 40, 1], 2 ** 40 + 1],
  ['bitxor', [10, 8], 2],
  ['bitxor', [-10, -8], 14],
  ['bitxor', [2 ** 52, 2 ** 52 + 1], 1],
  ['bitsl', [8, 2], 32],
  ['bitsl', [-8, 2], -32],
  ['bitsl', [1, 40], 2 ** 40],
  ['bitsl', [8, -2], 2],
  ['bitsl', [1, 2000], raises()],
  ['bitsr', [8, 2], 2],
  ['bitsr', [8, 4], 0],
  ['bitsr', [-8, 2], -2],
  ['bitsr', [-8, 6], -1],
  ['bitsr', [-1, 5000], -1],
  ['bitsr', [2 ** 40, 38], 4],
  ['bitsr', [1, -3], 8],
  ['bitand', [1.5, 1], raises()],
  ['bitnot', ['1'], raises()],
  ['bitsize', ['abc'], 24],
  ['bitsize', ['你好'], 48],
  ['bitsize', ['a'], 8],
  ['bitsize', [new BitString(hex('f0'), 4)], 4],
  ['bitsize', [1], raises()],
  ['bytesize', ['abc'], 3],
  ['bytesize', ['你好'], 6],
  ['bytesize', [''], 0],
  ['bytesize', [[97, 'bc', [hex('00')]]], 4],
  ['bytesize', [1], raises()],
  // subbits/2 and /3: unsigned big-endian integers
  ['subbits', [B, 8], 159],
  ['subbits', [B, 16], 40782],
  ['subbits', [hex('ff'), 1], 1],
  ['subbits', [hex('ff'), 3], 7],
  ['subbits', [hex('ff'), 8], 255],
  ['subbits', [B, 1, 8], 159],
  ['subbits', [B, 9, 8], 78],
  ['subbits', [B, 9, 4], 4],
  ['subbits', [hex('ff'), 2, 7], 127],
  ['subbits', [hex('ff'), 2, 8], 127],
  ['subbits', [hex('ff'), 1, 0], 0],
  ['subbits', [hex('ff'), 1, -1], 255],
  ['subbits', [B, 25, 8], undefined],
  ['subbits', [B, 0, 8], undefined],
  ['subbits', [hex(''), 1, 8], undefined],
  // full forms
  ['subbits', [B, 1, 16, 'integer', 'unsigned', 'big'], 40782],
  ['subbits', [B, 1, 16, 'integer', 'signed', 'big'], -24754],
  ['subbits', [B, 1, 16, 'integer', 'unsigned', 'little'], 20127],
  ['subbits', [hex('1234'), 1, 12, 'integer', 'unsigned', 'little'], 0x312],
  ['subbits', [hex('000001c8'), 1, 32, 'integer', 'signed', 'big'], 456],
  ['subbits', [hex('fffffe38'), 1, 32, 'integer', 'signed', 'big'], -456],
  ['subbits', [hex('000001c8'), 1, 32, 'integer', 'unsigned'], 456],
  ['subbits', [hex('ffffffffffffffff'), 1, 64, 'integer', 'signed', 'big'], -1],
  // 2^53 + 1 has no exact double: integers past 2^53 are approximate in rulemq.
  ['subbits', [hex('0020000000000001'), 1, 64], 9007199254740992],
  ['subbits', [hex('001fffffffffffff'), 1, 64], 9007199254740991],
  ['subbits', [B, 1, 16, 'float', 'unsigned', 'big'], -0.00713348388671875],
  ['subbits', [B, 1, 16, 'float', 'signed', 'big'], -0.00713348388671875],
  ['subbits', [hex('4015333333333333'), 1, 64, 'float'], 5.3],
  ['subbits', [hex('c015333333333333'), 1, 64, 'float', 'signed', 'big'], -5.3],
  ['subbits', [hex('3333333333331540'), 1, 64, 'float', 'unsigned', 'little'], 5.3],
  ['subbits', [hex('40490fdb'), 1, 32, 'float'], Math.fround(Math.PI)],
  ['subbits', [hex('40490fdb'), 1, 24, 'float'], Math.fround(Math.PI)],
  ['subbits', [hex('7ff0000000000000'), 1, 64, 'float'], raises()],
  ['subbits', [hex('aabbcc'), 1, 24, 'float'], raises()],
  ['subbits', [B, 1, 16, 'int'], raises()],
  ['subbits', [B, 1, 16, 'integer', 'unsigned', 'middle'], raises()],
  ['subbits', [B, 1, 8, 'bits'], hex('9f')],
  ['subbits', [B, 9, 16, 'bits'], hex('4e58')],
  ['subbits', [123, 8], raises()],
  ['subbits', [B, '1', 8], raises()],
]);

test('subbits(..., bits) of a non-byte length gives a bitstring that bin2hexstr prints as EMQX does', () => {
  const r = call('subbits', B, 1, 6, 'bits', 'unsigned', 'big');
  assert.ok(r instanceof BitString);
  assert.equal(r.bitLength, 6);
  assert.equal(call('bin2hexstr', r), '27');
  assert.equal(call('bitsize', r), 6);
});
