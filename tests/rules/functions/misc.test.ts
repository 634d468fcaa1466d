import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, raises, table } from './helpers.js';

table([
  ['coalesce', [undefined, 'world'], 'world'],
  ['coalesce', ['hello', 'world'], 'hello'],
  ['coalesce', [null, 0], null],
  ['coalesce', ['', 0], ''],
  ['coalesce', [[]], undefined],
  ['coalesce', [[undefined, 42, undefined]], 42],
  ['coalesce', [['hello', undefined]], 'hello'],
  ['coalesce', ['notalist'], raises()],
  ['coalesce_ne', ['', 'world'], 'world'],
  ['coalesce_ne', [undefined, 'world'], 'world'],
  ['coalesce_ne', ['hello', 'world'], 'hello'],
  ['coalesce_ne', [null, 'world'], null],
  ['coalesce_ne', [[], 'world'], 'world'],
  ['coalesce_ne', [Buffer.alloc(0), 'world'], 'world'],
  ['coalesce_ne', [['', undefined, '']], undefined],
  ['coalesce_ne', [['', 42, undefined]], 42],
  ['null', [], undefined],
  ['eq', [1, 1], true],
  ['eq', ['a', Buffer.from('a')], true],
  ['eq', [{ a: [1] }, { a: [1] }], true],
  ['eq', ['1', 1], false],
  ['contains_topic', [[{ topic: 't/a', qos: 1 }], 't/a'], true],
  ['contains_topic', [[{ topic: 't/a', qos: 1 }], 't/b'], false],
  ['contains_topic', [[{ topic: 't/a', qos: 1 }], 't/a', 1], true],
  ['contains_topic', [[{ topic: 't/a', qos: 1 }], 't/a', 2], false],
  ['contains_topic', [['t/a', 't/b'], 't/b'], true],
  ['contains_topic', [['t/a'], 't/a', 0], false],
  ['contains_topic', [[{ topic: 't/#', qos: 0 }], 't/a'], false],
  ['contains_topic', ['t/a', 't/a'], raises()],
  ['contains_topic_match', [[{ topic: 't/#', qos: 0 }], 't/a'], true],
  ['contains_topic_match', [[{ topic: 't/+/x', qos: 0 }], 't/a/x', 0], true],
  ['contains_topic_match', [[{ topic: 't/+/x', qos: 0 }], 't/a/y'], false],
  ['contains_topic_match', [[{ topic: 't/#', qos: 0 }], 't'], true],
  ['contains_topic_match', [[{ topic: '#', qos: 0 }], '$SYS/x'], false],
  ['contains_topic_match', [[{ topic: '$SYS/#', qos: 0 }], '$SYS/x'], true],
  [
    'contains_topic_match',
    [
      [
        { topic: 'a/b', qos: 2 },
        { topic: 'a/+', qos: 1 },
      ],
      'a/c',
      1,
    ],
    true,
  ],
  ['getenv', [1], raises()],
]);

test('uuid_v4 gives fresh version-4 UUIDs, with and without hyphens', () => {
  const a = call('uuid_v4') as string;
  const b = call('uuid_v4') as string;
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
  assert.match(call('uuid_v4_no_hyphen') as string, /^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
});

test('getenv reads EMQXVAR_<name>, gives an empty string when unset, and caches the first read', () => {
  process.env.EMQXVAR_RULEMQ_TEST_VAR = 'first';
  assert.equal(call('getenv', 'RULEMQ_TEST_VAR'), 'first');
  process.env.EMQXVAR_RULEMQ_TEST_VAR = 'second';
  assert.equal(call('getenv', 'RULEMQ_TEST_VAR'), 'first');
  delete process.env.EMQXVAR_RULEMQ_TEST_VAR;
  assert.equal(call('getenv', 'RULEMQ_TEST_UNSET_VAR'), '');
});

test('proc_dict_put/get/del keep per-process state and return previous values', () => {
  assert.equal(call('proc_dict_get', 'abc'), undefined);
  assert.equal(call('proc_dict_put', 'abc', 1), undefined);
  assert.equal(call('proc_dict_get', 'abc'), 1);
  assert.equal(call('proc_dict_get', Buffer.from('abc')), 1);
  assert.equal(call('proc_dict_put', 'abc', 2), 1);
  assert.equal(call('proc_dict_del', 'abc'), 2);
  assert.equal(call('proc_dict_get', 'abc'), undefined);
  call('proc_dict_put', 1, 'int key');
  assert.equal(call('proc_dict_get', '1'), undefined);
  assert.equal(call('proc_dict_get', 1), 'int key');
});

test('kv_store_put/get/del store values with a default for missing keys', () => {
  assert.equal(call('kv_store_get', 'k'), undefined);
  assert.equal(call('kv_store_get', 'k', 'dflt'), 'dflt');
  assert.equal(call('kv_store_put', 'k', { v: 1 }), true);
  assert.deepEqual(call('kv_store_get', 'k', 'dflt'), { v: 1 });
  assert.equal(call('kv_store_del', 'k'), true);
  assert.equal(call('kv_store_get', 'k', 'dflt'), 'dflt');
});
