import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, raises, table } from './helpers.js';

// unix_ts_to_rfc3339 and now_rfc3339 use the process's local zone; pin it for determinism.
const savedTz = process.env.TZ;
before(() => {
  process.env.TZ = 'Asia/Shanghai';
});
after(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

table([
  ['unix_ts_to_rfc3339', [1708671600], '2024-02-23T15:00:00+08:00'],
  ['unix_ts_to_rfc3339', [1708671600766, 'millisecond'], '2024-02-23T15:00:00.766+08:00'],
  ['unix_ts_to_rfc3339', [1708671600000, 'millisecond'], '2024-02-23T15:00:00.000+08:00'],
  ['unix_ts_to_rfc3339', [1708671600000001, 'microsecond'], '2024-02-23T15:00:00.000001+08:00'],
  ['unix_ts_to_rfc3339', [-1, 'second'], '1970-01-01T07:59:59+08:00'],
  ['unix_ts_to_rfc3339', [1.5], raises()],
  ['unix_ts_to_rfc3339', [1, 'hour'], raises()],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30Z'], 1708703790],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30+08:00'], 1708674990],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30.87Z', 'second'], 1708703790],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30.87Z', 'millisecond'], 1708703790870],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30.87Z', 'microsecond'], 1708703790870000],
  ['rfc3339_to_unix_ts', ['2024-02-23 15:56:30-01:30'], 1708709190],
  ['rfc3339_to_unix_ts', ['2024-02-23T15:56:30'], raises()],
  ['rfc3339_to_unix_ts', ['2024-02-30T15:56:30Z'], raises()],
  ['rfc3339_to_unix_ts', ['yesterday'], raises()],
  ['rfc3339_to_unix_ts', [1708703790], raises()],
  ['format_date', ['millisecond', '+08:00', '%Y-%m-%d %H:%M:%S.%6N%z', 1708933353472], '2024-02-26 15:42:33.472000+0800'],
  ['format_date', ['millisecond', '+08:00', '%Y-%m-%d %H:%M:%S.%6N%:z', 1708933353472], '2024-02-26 15:42:33.472000+08:00'],
  ['format_date', ['millisecond', '+08:20:30', '%Y-%m-%d %H:%M:%S.%3N%::z', 1708933353472], '2024-02-26 16:03:03.472+08:20:30'],
  // The docs show '+08:00' for 'Z'; the code prints +00:00.
  ['format_date', ['millisecond', 'Z', '%Y-%m-%d %H:%M:%S.%3N%:z', 1708933353472], '2024-02-26 07:42:33.472+00:00'],
  ['format_date', ['millisecond', 28800, '%Y-%m-%d %H:%M:%S.%3N%:z', 1708933353472], '2024-02-26 15:42:33.472+08:00'],
  ['format_date', ['second', '-0530', '%d/%m/%Y %H:%M:%S %N %z', 0], '31/12/1969 18:30:00 000000000 -0530'],
  // 1708933353123456789 is not a double; the nearest is ...768 (nanosecond timestamps are approximate).
  ['format_date', ['nanosecond', 0, '%3N|%6N|%N', 1708933353123456789], '123|123456|123456768'],
  ['format_date', ['second', 0, '100%% %y', 0], '100%% %y'],
  ['format_date', ['second', 'bogus', '%Y', 0], raises()],
  ['format_date', ['second', 0, '%z', 0], '+0000'],
  ['format_date', ['second', 90000, '%z', 0], raises()],
  ['format_date', ['second', 0, '%Y', 1.5], raises()],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S%:z', '2024-02-23 15:00:00+08:00'], 1708671600],
  ['date_to_unix_ts', ['second', '+08:00', '%Y-%m-%d %H:%M:%S%:z', '2024-02-23 15:00:00'], 1708671600],
  ['date_to_unix_ts', ['second', 'Z', '%Y-%m-%d %H:%M:%S%:z', '2024-02-23 07:00:00'], 1708671600],
  ['date_to_unix_ts', ['second', 14400, '%Y-%m-%d %H:%M:%S%:z', '2024-02-23 15:00:00'], 1708686000],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-05-26 10:40:12'], 1653561612],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H-%M-%S', '2022-05-26 10:40:12'], 1653561612],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-05-26 10-40-12'], 1653561612],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2024-02-29 14:31:40'], 1709217100],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2100-03-01 12:44:31'], 4107588271],
  ['date_to_unix_ts', ['second', '+08:00', '%Y-%m-%d %H:%M:%S', '2024-02-29 14:31:40'], 1709188300],
  ['date_to_unix_ts', ['second', '+08:00', '%Y-%m-%d %H-%M-%S', '2024-03-01 10:30:38'], 1709260238],
  ['date_to_unix_ts', ['second', '+08:00', '%Y-%m-%d %H-%M-%S.%3N', '2024-03-01 10:30:38.333'], 1709260238],
  ['date_to_unix_ts', ['millisecond', '+08:00', '%Y-%m-%d %H-%M-%S.%3N', '2024-03-01 10:30:38.333'], 1709260238333],
  ['date_to_unix_ts', ['microsecond', '+08:00', '%Y-%m-%d %H-%M-%S.%3N', '2024-03-01 10:30:38.333'], 1709260238333000],
  ['date_to_unix_ts', ['microsecond', '+08:00', '%Y-%m-%d %H-%M-%S.%6N', '2024-03-01 10:30:38.333444'], 1709260238333444],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S.%3N%:z', '2024-02-23 15:00:00.123+08:00'], 1708671600],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-05-26 10:40:12 trailing'], 1653561612],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-059999-26 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%y-%m-%d %H:%M:%S', '2022-05-26 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%Y-%d %H:%M:%S', '2022-32 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%H:%M:%S', '10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-05-32 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2023-02-29 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2024-02-30 10:40:12'], raises()],
  ['date_to_unix_ts', ['second', '%Y-%m-%d %H:%M:%S', '2022-05-26 10:40'], raises()],
  ['date_to_unix_ts', ['week', '%Y', '2022'], raises()],
  ['timezone_to_offset_seconds', ['+02:00:00'], 7200],
  ['timezone_to_offset_seconds', ['-02:00:00'], -7200],
  ['timezone_to_offset_seconds', ['+00:01:42'], 102],
  ['timezone_to_offset_seconds', ['+08:00'], 28800],
  ['timezone_to_offset_seconds', ['-0530'], -19800],
  ['timezone_to_offset_seconds', ['z'], 0],
  ['timezone_to_offset_seconds', ['Z'], 0],
  ['timezone_to_offset_seconds', [42], 42],
  ['timezone_to_offset_seconds', [undefined], 0],
  ['timezone_to_offset_seconds', ['local'], 28800],
  ['timezone_to_offset_seconds', ['+08'], raises()],
  ['timezone_to_offset_seconds', ['08:00'], raises()],
  ['timezone_to_offset_seconds', ['+24:00'], raises()],
  ['timezone_to_offset_seconds', ['+08:60'], raises()],
  ['timezone_to_offset_seconds', [''], raises()],
  ['timezone_to_offset_seconds', [1.5], raises()],
  ['timezone_to_offset_seconds', [null], raises()],
  ['timezone_to_second', ['+02:00:00'], 7200],
  ['timezone_to_second', ['local'], 28800],
  ['mongo_date', [1708703337871], 'ISODate(2024-02-23T15:48:57.871Z)'],
  ['mongo_date', [1708703337871234, 'microsecond'], 'ISODate(2024-02-23T15:48:57.871Z)'],
  ['mongo_date', [1708703337, 'second'], 'ISODate(2024-02-23T15:48:57.000Z)'],
  ['mongo_date', [1.5], raises()],
]);

test('format_date and date_to_unix_ts round-trip with explicit offsets and sub-second units', () => {
  const cases: Array<[string, string, string, string[]]> = [
    ['second', '+07:00', '%m--%d--%Y---%H:%M:%S%z', []],
    ['millisecond', '+04:00', '--%m--%d--%Y---%H:%M:%S:%3N%z', []],
    ['second', '+08:00', '%Y-%m-%d-%H:%M:%S%z', []],
    ['microsecond', '-03:30', '%Y-%m-%dT%H:%M:%S.%6N%:z', []],
    ['second', '+05:45:30', '%Y%m%d%H%M%S%::z', []],
  ];
  for (const [unit, offset, fmt] of cases) {
    const factor = unit === 'second' ? 1 : unit === 'millisecond' ? 1e3 : 1e6;
    for (const base of [0, 951782400, 1708933353, 4102444799]) {
      const ts = base * factor + (factor > 1 ? 123 : 0);
      const text = call('format_date', unit, offset, fmt, ts) as string;
      assert.equal(call('date_to_unix_ts', unit, fmt, text), ts, `${fmt} ${text}`);
    }
  }
  // No offset in the format: date_to_unix_ts/4 applies the offset instead.
  const fmt = '--%m--%d--%Y---%H:%M:%S';
  const s = 1708933353;
  assert.equal(call('date_to_unix_ts', 'second', '+04:00', fmt, call('format_date', 'second', '+04:00', fmt, s)), s);
});

test('unix_ts_to_rfc3339 and rfc3339_to_unix_ts invert each other in every unit', () => {
  for (const unit of ['second', 'millisecond', 'microsecond']) {
    const now = call('now_timestamp', unit) as number;
    assert.equal(call('rfc3339_to_unix_ts', call('unix_ts_to_rfc3339', now, unit), unit), now);
  }
});

test('unix_ts_to_rfc3339 follows TZ changes and prints +00:00, never Z, in UTC', () => {
  process.env.TZ = 'UTC';
  try {
    assert.equal(call('unix_ts_to_rfc3339', 1708671600), '2024-02-23T07:00:00+00:00');
    assert.equal(call('timezone_to_offset_seconds', 'local'), 0);
  } finally {
    process.env.TZ = 'Asia/Shanghai';
  }
});

test('now_timestamp and now_rfc3339 report the current time in the requested unit', () => {
  const before = Date.now();
  const s = call('now_timestamp') as number;
  const ms = call('now_timestamp', 'millisecond') as number;
  const us = call('now_timestamp', 'microsecond') as number;
  const ns = call('now_timestamp', 'nanosecond') as number;
  const after = Date.now();
  assert.ok(Number.isInteger(s) && s >= Math.floor(before / 1000) && s <= Math.floor(after / 1000));
  assert.ok(ms >= before && ms <= after);
  assert.ok(us >= before * 1000 && us < (after + 1) * 1000);
  assert.ok(ns >= before * 1e6 && ns < (after + 1) * 1e6);
  assert.match(call('now_rfc3339') as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.match(call('now_rfc3339', 'millisecond') as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$/);
  assert.match(call('now_rfc3339', 'nanosecond') as string, /\.\d{9}\+08:00$/);
  assert.throws(() => call('now_timestamp', 'minute'));
  const nowish = call('format_date', 'second', 'Z', '%Y') as string;
  assert.equal(nowish, String(new Date().getUTCFullYear()));
  assert.match(call('mongo_date') as string, /^ISODate\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\)$/);
});
