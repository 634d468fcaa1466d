/** Shared helpers for the function-library tests: call by SQL name and run `{ fn, args, expected }` tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleFunctionError } from '../../../rules/functions/errors.js';
import { lookupFunction } from '../../../rules/functions/index.js';

/** Calls a built-in by SQL name, checking the arity against the definition like the compiler does. */
export function call(name: string, ...args: unknown[]): unknown {
  const def = lookupFunction(name);
  assert.ok(def, `function ${name} is registered`);
  assert.ok(args.length >= def.minArity && args.length <= def.maxArity, `${name}/${args.length} is a valid arity`);
  return def.impl(...args);
}

/** Expected outcome: a value (deep-equal), or a thrown RuleFunctionError with this code. */
export type Expect = { value: unknown } | { throws: RuleFunctionError['code'] };

export type Row = [name: string, args: unknown[], expected: unknown];

/** Marks an expected error in a table row. */
export function raises(code: RuleFunctionError['code'] = 'FUNC_BAD_ARG'): { __raises: RuleFunctionError['code'] } {
  return { __raises: code };
}

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `<hex ${v.toString('hex')}>`;
  const s = JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '(undefined)' : x));
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** An expected float with an integral value (Erlang's 2.0): the value model boxes it (rules/functions/numbers.ts). */
export function fl(x: number): number {
  return new Number(x) as unknown as number;
}

/** Marks an expected float that may differ from EMQX's libm in the last bit or two (V8 vs glibc). */
export function approx(x: number): { __approx: number } {
  return { __approx: x };
}

/** One test per row: `name(args) = expected` or `name(args) raises CODE`. */
export function table(rows: Row[]): void {
  for (const [name, args, expected] of rows) {
    const raisesCode =
      typeof expected === 'object' && expected !== null && '__raises' in expected ? (expected as { __raises: RuleFunctionError['code'] }).__raises : undefined;
    const shown =
      typeof expected === 'object' && expected !== null && '__approx' in expected ? `~ ${(expected as { __approx: number }).__approx}` : `= ${show(expected)}`;
    const title = `${name}(${args.map(show).join(', ')}) ${raisesCode ? `raises ${raisesCode}` : shown}`;
    test(title, () => {
      if (typeof expected === 'object' && expected !== null && '__approx' in expected) {
        const want = (expected as { __approx: number }).__approx;
        const raw = call(name, ...args);
        assert.ok(typeof raw === 'number' || raw instanceof Number, `${String(raw)} is a number`);
        const got = Number(raw);
        assert.ok(Math.abs(got - want) <= Math.abs(want) * 4e-16, `${String(got)} is within 2 ulp of ${want}`);
        return;
      }
      if (raisesCode !== undefined) {
        assert.throws(
          () => call(name, ...args),
          (e: unknown) => e instanceof RuleFunctionError && e.code === raisesCode && e.functionName === name,
        );
      } else {
        assert.deepStrictEqual(call(name, ...args), expected);
      }
    });
  }
}

export function hex(h: string): Buffer {
  return Buffer.from(h, 'hex');
}
