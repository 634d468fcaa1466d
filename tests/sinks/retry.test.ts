import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { backoffDelay, classifyAppendError } from '../../sinks/retry.js';

test('classifies Append failures into retry, fail and stream checks', () => {
  const table: [number, string, string, boolean, boolean][] = [
    // code, details, action, rediscover, maybeCommitted
    [status.UNAVAILABLE, 'No connection established', 'retry', true, false],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'retry', true, true],
    [status.RESOURCE_EXHAUSTED, 'server busy', 'retry', false, false],
    [status.RESOURCE_EXHAUSTED, 'Sent message larger than max (2000000 vs. 1000000)', 'fail', false, false],
    [status.ABORTED, '', 'retry', false, false],
    [status.INTERNAL, 'Received RST_STREAM with code 2', 'retry', true, true],
    [status.CANCELLED, '', 'retry', true, true],
    [status.NOT_FOUND, '{"error":200,"message":"Stream not found"}', 'stream_missing', true, false],
    [status.INVALID_ARGUMENT, '{"error":207,"message":"record too big"}', 'fail', false, false],
    [status.UNAUTHENTICATED, '', 'fail', false, false],
    [status.PERMISSION_DENIED, '', 'fail', false, false],
    [status.FAILED_PRECONDITION, '', 'fail', false, false],
    [status.UNIMPLEMENTED, '', 'fail', false, false],
    [status.UNKNOWN, '', 'fail', false, false],
  ];
  for (const [code, details, action, rediscover, maybeCommitted] of table) {
    const v = classifyAppendError(code, details);
    assert.deepEqual([v.action, v.rediscover, v.maybeCommitted], [action, rediscover, maybeCommitted], `${status[code]} ${details}`);
    assert.ok(v.reason.length > 0);
  }
});

test('backoff doubles per attempt up to the cap and jitters within 50–100 %', () => {
  assert.equal(
    backoffDelay(1, 100, 5000, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(2, 100, 5000, () => 1),
    200,
  );
  assert.equal(
    backoffDelay(3, 100, 5000, () => 0),
    200,
  );
  assert.equal(
    backoffDelay(20, 100, 5000, () => 1),
    5000,
  );
  assert.equal(
    backoffDelay(20, 100, 5000, () => 0),
    2500,
  );
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(4, 100, 5000);
    assert.ok(d >= 400 && d <= 800, String(d));
  }
});
