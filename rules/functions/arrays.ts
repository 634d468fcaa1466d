/** Array functions (emqx_rule_funcs, CE 5.8): Erlang `lists` semantics with 1-based positions. */
import { int, list } from './args.js';
import { badArg } from './errors.js';
import { termEquals } from './term-equal.js';
import type { FunctionDef } from './types.js';

export const arrayFunctions: FunctionDef[] = [
  {
    name: 'nth',
    minArity: 2,
    maxArity: 2,
    impl: (n, l) => {
      const i = int('nth', n, 'position');
      const arr = list('nth', l);
      if (i < 1 || i > arr.length) throw badArg('nth', `position ${i} is outside 1..${arr.length}`);
      return arr[i - 1];
    },
    doc: 'nth(N, List): the N-th element, 1-based. nth(1, [1,2,3]) = 1; nth(0, ...) and nth(4, [1,2,3]) raise.',
  },
  {
    name: 'length',
    minArity: 1,
    maxArity: 1,
    impl: (l) => list('length', l).length,
    doc: 'length(List): the number of elements. length([1,2,3,4]) = 4.',
  },
  {
    name: 'sublist',
    minArity: 2,
    maxArity: 3,
    impl: function (a: unknown, b: unknown, c?: unknown) {
      if (arguments.length < 3) {
        const len = int('sublist', a, 'length');
        const arr = list('sublist', b);
        if (len < 0) throw badArg('sublist', `length must be >= 0, got ${len}`);
        return arr.slice(0, len);
      }
      const start = int('sublist', a, 'start');
      const len = int('sublist', b, 'length');
      const arr = list('sublist', c);
      if (len < 0) throw badArg('sublist', `length must be >= 0, got ${len}`);
      if (start < 1 || start > arr.length + 1) throw badArg('sublist', `start ${start} is outside 1..${arr.length + 1}`);
      return arr.slice(start - 1, start - 1 + len);
    },
    doc:
      'sublist(Len, List) / sublist(Start, Len, List): at most Len elements from the start, or from the 1-based ' +
      'position Start. sublist(3, [1,2,3,4]) = [1,2,3], sublist(2, 10, [1,2,3,4]) = [2,3,4], ' +
      'sublist(5, 2, [1,2,3,4]) = []; Start beyond length + 1 raises.',
  },
  {
    name: 'first',
    minArity: 1,
    maxArity: 1,
    impl: (l) => {
      const arr = list('first', l);
      if (arr.length === 0) throw badArg('first', 'empty array');
      return arr[0];
    },
    doc: "first(List): the first element; first([]) raises. first(['John', 'David']) = 'John'.",
  },
  {
    name: 'last',
    minArity: 1,
    maxArity: 1,
    impl: (l) => {
      const arr = list('last', l);
      if (arr.length === 0) throw badArg('last', 'empty array');
      return arr[arr.length - 1];
    },
    doc: "last(List): the last element; last([]) raises. last(['John', 'David']) = 'David'.",
  },
  {
    name: 'contains',
    minArity: 2,
    maxArity: 2,
    impl: (x, l) => list('contains', l).some((e) => termEquals(x, e)),
    doc:
      'contains(X, List): true if List has an element exactly equal to X (deep for maps and lists, no ' +
      "string/number coercion). contains(2.3, [1.8, 2.5]) = false, contains([1, 2], ['a', [1, 2]]) = true. " +
      'rulemq difference: contains(1, [1.0]) is true (EMQX: false).',
  },
];
