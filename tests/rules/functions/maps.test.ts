import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, raises, table } from './helpers.js';

table([
  ['map_new', [], {}],
  ['map_get', ['a', { a: 1 }], 1],
  ['map_get', ['a', {}], undefined],
  ['map_get', ['a.b', { a: { b: 1 } }], 1],
  ['map_get', ['a.c', { a: { b: 1 } }], undefined],
  ['map_get', ['msg', '{"msg": "hello"}'], 'hello'],
  ['map_get', ['data', '{"msg": "hello"}'], undefined],
  ['map_get', ['data', '{"msg": "hello"}', ''], ''],
  ['map_get', ['value', '{"data": [1.2, 1.3]}', []], []],
  ['map_get', ['b', { b: null }], null],
  ['map_get', ['b', { a: 1 }, 'd'], 'd'],
  ['map_get', ['a.b', { a: '{"b": 2}' }], 2],
  ['map_get', ['a', 'not json', 'd'], 'd'],
  ['map_get', ['a', 5, 'd'], 'd'],
  ['map_get', ['a', undefined], undefined],
  ['map_get', ['0', { a: [1] }], undefined],
  ['map_get', [1, { a: 1 }], raises()],
  ['map_put', ['a', 1, {}], { a: 1 }],
  ['map_put', ['a', 2, { a: 1 }], { a: 2 }],
  ['map_put', ['a.b', 1, {}], { a: { b: 1 } }],
  ['map_put', ['a.c', 1, { a: { b: 1 } }], { a: { b: 1, c: 1 } }],
  ['map_put', ['b', 1, '{"a": 1}'], { b: 1 }],
  ['map_put', ['a.c', 1, { a: '{"b":1}' }], { a: { c: 1 } }],
  ['map_put', ['a.b', 1, { a: 5 }], { a: { b: 1 } }],
  ['map_put', ['a', 1, [1, 2]], { a: 1 }],
  ['mget', ['a', { a: 1 }], 1],
  ['mget', ['a', '{"a" : 1}'], 1],
  ['mget', ['a.b', { 'a.b': 1 }], 1],
  ['mget', ['a', {}], undefined],
  ['mget', ['a', {}, 'd'], 'd'],
  ['mget', [['a', 'b'], { a: { b: 1 } }], undefined],
  ['mget', ['a', 'nope'], raises()],
  ['mput', ['a', 1, {}], { a: 1 }],
  ['mput', ['a', 2, { a: 1 }], { a: 2 }],
  ['mput', ['a', 2, '{"a" : 1}'], { a: 2 }],
  ['mput', ['a.b', 2, { 'a.b': 1 }], { 'a.b': 2 }],
  ['mput', [1, 2, {}], raises()],
  ['map_keys', ['{"b": 1, "a": 2}'], ['a', 'b']],
  ['map_keys', [{ c: 1, a: 2, b: 3 }], ['a', 'b', 'c']],
  ['map_keys', [{ 2: 'x', 10: 'y', a: 1 }], ['10', '2', 'a']],
  ['map_keys', [[]], []],
  ['map_values', ['{"a": 1, "b": 2}'], [1, 2]],
  ['map_values', [{ b: 'x', a: 'y' }], ['y', 'x']],
  ['map_to_entries', [{}], []],
  [
    'map_to_entries',
    ['{"a":1,"b":"b"}'],
    [
      { key: 'a', value: 1 },
      { key: 'b', value: 'b' },
    ],
  ],
  ['map_size', [{}], 0],
  ['map_size', [{ a: 'b' }], 1],
  ['map_size', [[]], 0],
  ['map_size', ['{}'], 0],
  ['map_size', ['{"a" : "b"}'], 1],
  ['map_size', [5], raises()],
  ['map_size', ['[1]'], raises()],
]);

test('map_put and mput return copies and leave the input map unchanged', () => {
  const m = { a: { b: 1 }, x: 1 };
  const out = call('map_put', 'a.c', 2, m) as Record<string, unknown>;
  assert.deepEqual(m, { a: { b: 1 }, x: 1 });
  assert.deepEqual(out, { a: { b: 1, c: 2 }, x: 1 });
  const out2 = call('mput', 'x', 5, m);
  assert.deepEqual(m.x, 1);
  assert.deepEqual(out2, { a: { b: 1 }, x: 5 });
});

test('map_get(K, map_put(K, V, M)) = V for dotted paths (put/get law)', () => {
  const maps = [{}, { a: 1 }, { a: { b: { c: 1 } } }, { a: 'str' }, '{"a":{"b":2}}'];
  const keys = ['a', 'a.b', 'a.b.c', 'x.y', 'a.x'];
  const values = [1, 'v', null, [1, 2], { z: 1 }];
  for (const m of maps) {
    for (const k of keys) {
      for (const v of values) {
        assert.deepEqual(call('map_get', k, call('map_put', k, v, m)), v, `${k} in ${JSON.stringify(m)}`);
      }
    }
  }
});

test('keys named __proto__ are stored as ordinary keys, never as the prototype', () => {
  const out = call('map_put', '__proto__', { polluted: true }, {}) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  const out2 = call('mput', '__proto__', 1, {}) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out2), Object.prototype);
  assert.equal(call('mget', '__proto__', out2), 1);
});

test('map_keys keeps insertion order for maps of more than 32 keys (EMQX: hash order)', () => {
  const m: Record<string, number> = {};
  for (let i = 40; i > 0; i--) m[`k${i}`] = i;
  assert.deepEqual(call('map_keys', m), Object.keys(m));
});
