/**
 * The built-in rule SQL function library (EMQX CE 5.8 `emqx_rule_funcs`), minus the IoT shortcut functions
 * (topic(), clientid(), payload()... need the event context and live in the compiler).
 *
 * Each category file exports an array of definitions; they are merged here and a duplicate name fails at load.
 * Names are case-sensitive, as in EMQX.
 */
import { arrayFunctions } from './arrays.js';
import { bitFunctions } from './bits.js';
import { compressionFunctions } from './compression.js';
import { conversionFunctions } from './conversion.js';
import { datetimeFunctions } from './datetime.js';
import { encodingFunctions } from './encoding.js';
import { RuleFunctionError } from './errors.js';
import { formattingFunctions } from './formatting.js';
import { hashFunctions } from './hash.js';
import { jqFunctions } from './jq.js';
import { mapFunctions } from './maps.js';
import { mathFunctions } from './math.js';
import { miscFunctions } from './misc.js';
import { regexFunctions } from './regex.js';
import { stringListFunctions } from './string-lists.js';
import { stringFunctions } from './strings.js';
import { typeCheckFunctions } from './type-checks.js';
import type { FunctionDef } from './types.js';

export type { FunctionDef } from './types.js';
export { RuleFunctionError } from './errors.js';

/** The categories in documentation order. */
export const CATEGORIES: ReadonlyArray<{ title: string; functions: readonly FunctionDef[] }> = [
  { title: 'Math', functions: mathFunctions },
  { title: 'Type checks', functions: typeCheckFunctions },
  { title: 'Conversion', functions: conversionFunctions },
  { title: 'Strings', functions: stringFunctions },
  { title: 'String lists and joining', functions: stringListFunctions },
  { title: 'Formatting', functions: formattingFunctions },
  { title: 'Regular expressions', functions: regexFunctions },
  { title: 'Maps', functions: mapFunctions },
  { title: 'Arrays', functions: arrayFunctions },
  { title: 'Hashing', functions: hashFunctions },
  { title: 'Compression', functions: compressionFunctions },
  { title: 'Encoding', functions: encodingFunctions },
  { title: 'Bits', functions: bitFunctions },
  { title: 'Date and time', functions: datetimeFunctions },
  { title: 'Other', functions: miscFunctions },
  { title: 'jq', functions: jqFunctions },
];

/** Merges definition lists, refusing duplicate names (exported for its test). */
export function buildRegistry(groups: ReadonlyArray<readonly FunctionDef[]>): ReadonlyMap<string, FunctionDef> {
  const map = new Map<string, FunctionDef>();
  for (const group of groups) {
    for (const def of group) {
      if (map.has(def.name)) {
        throw new RuleFunctionError('FUNC_DUPLICATE', def.name, 'function is defined twice in the registry');
      }
      map.set(def.name, def);
    }
  }
  return map;
}

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = buildRegistry(CATEGORIES.map((c) => c.functions));

/** The definition of a built-in function, or undefined. Case-sensitive: `UPPER` is not `upper`. */
export function lookupFunction(name: string): FunctionDef | undefined {
  return FUNCTIONS.get(name);
}
