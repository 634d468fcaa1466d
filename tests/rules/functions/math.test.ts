import assert from 'node:assert/strict';
import { test } from 'node:test';
import { approx, call, fl, raises, table } from './helpers.js';

table([
  ['abs', [-12], 12],
  ['abs', [5], 5],
  ['abs', [-1.2], raises()],
  ['abs', ['-1'], raises()],
  ['ceil', [0.8], 1],
  ['ceil', [-0.5], 0],
  ['ceil', [2], 2],
  ['floor', [3.6], 3],
  ['floor', [-3.2], -4],
  ['round', [4.5], 5],
  ['round', [-4.5], -5],
  ['round', [2.4], 2],
  ['round', [-2.5], -3],
  ['round', ['1'], raises()],
  ['sqrt', [9], fl(3)],
  ['sqrt', [-1], raises()],
  ['exp', [1], approx(2.718281828459045)],
  ['exp', [1000], raises()],
  ['power', [2, 3], fl(8)],
  ['power', [-8, 0.5], raises()],
  ['power', [0, -1], raises()],
  ['log', [7.38905609893065], fl(2)],
  ['log', [0], raises()],
  ['log', [-1], raises()],
  ['log10', [100], fl(2)],
  ['log2', [8], approx(3)],
  ['log2', [8.5], approx(3.0874628412503395)],
  ['fmod', [6.5, 2.5], 1.5],
  ['fmod', [-7, 3], fl(-1)],
  ['fmod', [1, 0], raises()],
  ['sin', [0.5], approx(0.479425538604203)],
  ['cos', [0.5], approx(0.8775825618903728)],
  ['tan', [0.5], approx(0.5463024898437905)],
  ['asin', [0.5], approx(0.5235987755982988)],
  ['asin', [2], raises()],
  ['acos', [0.5], approx(1.0471975511965976)],
  ['atan', [0.5], approx(0.46364760900080615)],
  ['sinh', [0.5], approx(0.5210953054937474)],
  ['cosh', [0.5], approx(1.1276259652063807)],
  ['tanh', [0.5], approx(0.46211715726000974)],
  ['asinh', [0.5], approx(0.48121182505960347)],
  ['acosh', [1.5], approx(0.9624236501192069)],
  ['acosh', [0.5], raises()],
  ['atanh', [0.5], approx(0.5493061443340549)],
  ['atanh', [1], raises()],
  ['div', [7, 2], 3],
  ['div', [-7, 2], -3],
  ['div', [7, -2], -3],
  ['div', [7, 0], raises()],
  ['div', [7.5, 2], raises()],
  ['mod', [-7, 3], -1],
  ['mod', [7, -3], 1],
  ['mod', [7, 0], raises()],
  ['mod', [7, 2.5], raises()],
  ['sin', ['x'], raises()],
]);

test('random() returns a float in [0, 1)', () => {
  for (let i = 0; i < 100; i++) {
    const r = call('random') as number;
    assert.ok(r >= 0 && r < 1);
  }
});

test('integer results never carry a negative zero', () => {
  assert.ok(Object.is(call('ceil', -0.5), 0));
  assert.ok(Object.is(call('round', -0.2), 0));
  assert.ok(Object.is(call('mod', -4, 2), 0));
});
