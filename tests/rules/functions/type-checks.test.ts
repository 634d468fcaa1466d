import { call, hex, raises, table } from './helpers.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';

table([
  ['is_null', [undefined], true],
  ['is_null', [null], false],
  ['is_null', ['undefined'], false],
  ['is_null', [''], false],
  ['is_not_null', [undefined], false],
  ['is_not_null', [null], true],
  ['is_null_var', [undefined], true],
  ['is_null_var', [null], true],
  ['is_null_var', ['null'], false],
  ['is_null_var', [''], false],
  ['is_not_null_var', [null], false],
  ['is_not_null_var', [0], true],
  ['is_str', ['123'], true],
  ['is_str', [''], true],
  ['is_str', [hex('00ff')], true],
  ['is_str', [123], false],
  ['is_str', [[97]], false],
  ['is_bool', [true], true],
  ['is_bool', [false], true],
  ['is_bool', ['true'], false],
  ['is_bool', [1], false],
  ['is_int', [123], true],
  ['is_int', [-1], true],
  ['is_int', [123.4], false],
  ['is_int', ['1'], false],
  ['is_float', [123.4], true],
  ['is_float', [-1.2], true],
  ['is_float', [123], false],
  ['is_num', [123], true],
  ['is_num', [123.4], true],
  ['is_num', ['123'], false],
  ['is_map', [{}], true],
  ['is_map', [{ a: 1 }], true],
  ['is_map', ['{"a":1}'], false],
  ['is_map', [[]], false],
  ['is_map', [null], false],
  ['is_array', [[1, 2]], true],
  ['is_array', [[]], true],
  ['is_array', ['[1, 2]'], false],
  ['is_array', [0.5], false],
  ['is_empty', [[]], true],
  ['is_empty', [{}], true],
  ['is_empty', [''], true],
  ['is_empty', ['{}'], true],
  ['is_empty', [[1]], false],
  ['is_empty', [{ a: 'b' }], false],
  ['is_empty', ['{"a" : "b"}'], false],
  ['is_empty', ['abc'], raises()],
  ['is_empty', ['[1]'], raises()],
  ['is_empty', [5], raises()],
  ['is_empty', [undefined], raises()],
]);

test('is_not_null and is_not_null_var negate their counterparts for every kind of value', () => {
  for (const v of [undefined, 'undefined', null, 'null', 'a', '', 0, [], {}]) {
    assert.equal(call('is_not_null', v), !call('is_null', v));
    assert.equal(call('is_not_null_var', v), !call('is_null_var', v));
  }
});
