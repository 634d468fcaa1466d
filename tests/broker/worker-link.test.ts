import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerLink } from '../../broker/workers/worker-link.js';

test('a drain the supervisor asks for while the worker is still starting is carried out once the worker can stop', () => {
  const link = new WorkerLink(1, 2);
  // The supervisor's IPC message arrives as a 'message' event on the worker's process.
  process.emit('message', { rulemq: 'drain' }, undefined);
  let drained = 0;
  link.onDrain(() => drained++);
  assert.equal(drained, 1);
  process.emit('message', { rulemq: 'drain' }, undefined);
  assert.equal(drained, 2, 'a later drain reaches the handler too (the worker ignores repeats itself)');
  process.emit('message', { type: 'prom-client:getMetricsReq' }, undefined);
  assert.equal(drained, 2, "other senders' messages on the channel are not ours");
});
