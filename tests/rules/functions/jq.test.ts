import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleFunctionError } from '../../../rules/functions/errors.js';
import { call } from './helpers.js';

function jqError(code: string) {
  return (e: unknown) => e instanceof RuleFunctionError && e.code === code && e.functionName === 'jq';
}

test('jq returns every output of the program as a list', () => {
  assert.deepEqual(call('jq', '.', call('json_decode', '{"b": 2}')), [{ b: 2 }]);
  assert.deepEqual(call('jq', '.+1', 5), [6]);
  assert.deepEqual(call('jq', '.', '{"b": 2}'), [{ b: 2 }]);
  assert.deepEqual(call('jq', '.', '{"b": 2}', 10000), [{ b: 2 }]);
  assert.deepEqual(call('jq', '.a[] | . * 2', { a: [1, 2, 3] }), [2, 4, 6]);
  assert.deepEqual(call('jq', 'empty', '{}'), []);
  assert.deepEqual(call('jq', '.x', '{}'), [null]);
  assert.deepEqual(call('jq', '{k: .a, n: (.b | length)}', { a: 'x', b: [1, 2] }), [{ k: 'x', n: 2 }]);
});

test('jq program errors, bad JSON input and bad arguments raise', () => {
  assert.throws(() => call('jq', 'error("boom")', '{}'), jqError('FUNC_JQ_ERROR'));
  assert.throws(() => call('jq', '.a', 'not json'), jqError('FUNC_JQ_ERROR'));
  assert.throws(() => call('jq', '.[', '{}'), jqError('FUNC_JQ_ERROR'));
  assert.throws(() => call('jq', 1, '{}'), jqError('FUNC_BAD_ARG'));
  assert.throws(() => call('jq', '.', '{}', -1), jqError('FUNC_BAD_ARG'));
  // The engine keeps working after errors.
  assert.deepEqual(call('jq', '.a', '{"a": 1}'), [1]);
});

test('a jq program that runs past its timeout is cut off and the next call still works', () => {
  const loop = 'def w(c; u): def _w: if c then (u | _w) else . end; _w; w(. < 42; . * 2)';
  const start = Date.now();
  assert.throws(() => call('jq', loop, '-2', 50), jqError('FUNC_JQ_ERROR'));
  assert.ok(Date.now() - start < 5000);
  assert.deepEqual(call('jq', loop, '3', 5000), [48]);
});

test('a TimeoutMs past the ceiling is clamped, and the calls of one event-loop turn share the ceiling', async () => {
  const { JQ_MAX_TIMEOUT_MS } = await import('../../../rules/functions/jq.js');
  const loop = 'def w(c; u): def _w: if c then (u | _w) else . end; _w; w(. < 42; . * 2)';
  await new Promise((r) => setImmediate(r)); // start from a fresh turn
  // A program that never ends, asked to run 50 s: cut off at the ceiling, which the message names.
  assert.throws(
    () => call('jq', loop, '-2', 50_000),
    (e: unknown) => e instanceof RuleFunctionError && e.code === 'FUNC_JQ_ERROR' && e.message.includes(`${JQ_MAX_TIMEOUT_MS} ms`),
  );
  // Same turn: the budget is spent, so even a trivial program is refused without running.
  assert.throws(
    () => call('jq', '.', '1'),
    (e: unknown) => e instanceof RuleFunctionError && /already used this turn/.test(e.message),
  );
  // The next turn has a fresh budget.
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(call('jq', '.', '1'), [1]);
});
