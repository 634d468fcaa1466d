import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBytes, parseDuration, SettingsReader } from '../../sinks/settings.js';
import { SettingsError } from '../../sinks/errors.js';

test('parseDuration reads ms, s, m, h and d into whole milliseconds', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['30s', 30_000],
    ['1m', 60_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [' 10s ', 10_000],
    ['0s', 0],
    ['10MS', 10],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('parseDuration rejects unitless numbers, negative values and unknown units', () => {
  for (const bad of ['30', 30, '-1s', '1 sec', 'abc', '', true, '1.s', 's']) assert.equal(parseDuration(bad), undefined, String(bad));
});

test('parseBytes reads binary multiples as EMQX does and plain integers as bytes', () => {
  const cases: [string | number, number][] = [
    ['256MB', 256 * 1024 * 1024],
    ['1MiB', 1024 * 1024],
    ['512KB', 512 * 1024],
    ['100B', 100],
    ['1024', 1024],
    [1024, 1024],
    ['1GB', 1024 ** 3],
    ['1.5KiB', 1536],
    ['2 mb', 2 * 1024 * 1024],
  ];
  for (const [text, n] of cases) assert.equal(parseBytes(text), n, String(text));
});

test('parseBytes rejects unknown units, negatives and fractions of a byte given as numbers', () => {
  for (const bad of ['1TB', -1, 'x', 1.5, '', false, '-5MB']) assert.equal(parseBytes(bad), undefined, String(bad));
});

test('SettingsReader reports every problem with key, expectation and found value in one SettingsError', () => {
  const r = new SettingsReader({ a: 'abc', b: '30', c: 'yes', d: 'blue', zzz: 1 }, 'demo', ['a', 'b', 'c', 'd']);
  assert.equal(r.int('a', 1, 1), 1);
  assert.equal(r.duration('b', '5s'), 5000);
  assert.equal(r.bool('c', false), false);
  assert.equal(r.oneOf('d', 'red', ['red', 'green']), 'red');
  assert.throws(
    () => r.finish('demo settings'),
    (e: unknown) => {
      assert.ok(e instanceof SettingsError);
      assert.equal(e.code, 'SETTINGS_INVALID');
      assert.deepEqual(e.issues, [
        { key: 'a', message: "`a` must be an integer ≥ 1 (got 'abc')" },
        { key: 'b', message: "`b` must be a duration ≥ 1ms with a unit, like '500ms', '30s' or '1m' (got '30')" },
        { key: 'c', message: "`c` must be true or false (got 'yes')" },
        { key: 'd', message: "`d` must be one of red, green (got 'blue')" },
        { key: 'zzz', message: 'unknown setting `zzz` for type demo; expected one of a, b, c, d' },
      ]);
      return true;
    },
  );
});

test('SettingsReader accepts numbers and booleans as the loader hands them over', () => {
  const r = new SettingsReader({ n: 7, s: '8', t: true, f: 'false' }, 'demo', ['n', 's', 't', 'f']);
  assert.equal(r.int('n', 0, 1), 7);
  assert.equal(r.int('s', 0, 1), 8);
  assert.equal(r.bool('t', false), true);
  assert.equal(r.bool('f', true), false);
  r.finish('demo');
});
