/** Type-check functions: each returns a boolean and never raises, except is_empty on a non-collection. */
import { isBinary, isInt, isMap } from './args.js';
import { coerceMap } from './map-coerce.js';
import { isFloat, isNumber } from '../../common/numbers.js';
import type { FunctionDef } from './types.js';

function check(name: string, f: (v: unknown) => boolean, doc: string): FunctionDef {
  return { name, minArity: 1, maxArity: 1, impl: (v) => f(v), doc };
}

export const typeCheckFunctions: FunctionDef[] = [
  check('is_null', (v) => v === undefined, 'is_null(V): true only when V is undefined (a missing value); JSON null gives false.'),
  check('is_not_null', (v) => v !== undefined, 'is_not_null(V): not is_null(V).'),
  check('is_null_var', (v) => v === undefined || v === null, 'is_null_var(V): true when V is undefined or JSON null (5.6+).'),
  check('is_not_null_var', (v) => v !== undefined && v !== null, 'is_not_null_var(V): not is_null_var(V).'),
  check('is_str', isBinary, "is_str(V): true for strings (and binaries). is_str('123') = true, is_str(123) = false."),
  check('is_bool', (v) => typeof v === 'boolean', "is_bool(V): true for true/false only; is_bool('true') = false."),
  check('is_int', isInt, 'is_int(V): true for integers; is_int(2.0) = false, is_int(6 / 3) = false (`/` makes a float).'),
  check('is_float', isFloat, "is_float(V): true for floats, integral ones included: is_float(2.0) = true, is_float(float('3')) = true."),
  check('is_num', isNumber, 'is_num(V): true for integers and floats.'),
  check('is_map', isMap, 'is_map(V): true for maps (JSON objects); a JSON string is not decoded.'),
  check('is_array', Array.isArray, "is_array(V): true for arrays; is_array('[1, 2]') = false."),
  {
    name: 'is_empty',
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      if (Array.isArray(v)) return v.length === 0;
      if (v === '' || (Buffer.isBuffer(v) && v.length === 0)) return true;
      // EMQX: map_size(map(V)) == 0, so a string must hold a JSON object and other values raise.
      return Object.keys(coerceMap('is_empty', v)).length === 0;
    },
    doc:
      "is_empty(V): true for [], '' and {}; a string is decoded as JSON first, so is_empty('{}') = true. " +
      'A string that is not a JSON object, a number or undefined raises.',
  },
];
