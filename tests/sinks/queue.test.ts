import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from '../../sinks/queue.js';

test('Fifo keeps insertion order across compactions', () => {
  const q = new Fifo<number>();
  for (let i = 0; i < 10_000; i++) q.push(i);
  for (let i = 0; i < 9000; i++) assert.equal(q.shift(), i);
  for (let i = 10_000; i < 10_010; i++) q.push(i);
  assert.equal(q.length, 1010);
  const rest = q.drain();
  assert.equal(rest[0], 9000);
  assert.equal(rest[rest.length - 1], 10_009);
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});

test('Fifo.unshiftAll puts rows back in front in their order', () => {
  const q = new Fifo<string>();
  q.push('c');
  q.push('d');
  q.shift();
  q.unshiftAll(['a', 'b']);
  assert.deepEqual(q.drain(), ['a', 'b', 'd']);
});
