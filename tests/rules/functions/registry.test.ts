import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FUNCTION_ERROR_CODES, RuleFunctionError } from '../../../rules/functions/errors.js';
import { buildRegistry, CATEGORIES, FUNCTIONS, lookupFunction } from '../../../rules/functions/index.js';
import type { FunctionDef } from '../../../rules/functions/types.js';

const INF = Infinity;

/** Every EMQX CE 5.8 built-in (minus the IoT shortcuts) with its arity range. */
const EXPECTED: Record<string, [number, number]> = {
  abs: [1, 1],
  ceil: [1, 1],
  floor: [1, 1],
  round: [1, 1],
  sqrt: [1, 1],
  exp: [1, 1],
  power: [2, 2],
  log: [1, 1],
  log10: [1, 1],
  log2: [1, 1],
  fmod: [2, 2],
  sin: [1, 1],
  cos: [1, 1],
  tan: [1, 1],
  asin: [1, 1],
  acos: [1, 1],
  atan: [1, 1],
  sinh: [1, 1],
  cosh: [1, 1],
  tanh: [1, 1],
  asinh: [1, 1],
  acosh: [1, 1],
  atanh: [1, 1],
  random: [0, 0],
  div: [2, 2],
  mod: [2, 2],
  is_null: [1, 1],
  is_not_null: [1, 1],
  is_null_var: [1, 1],
  is_not_null_var: [1, 1],
  is_str: [1, 1],
  is_bool: [1, 1],
  is_int: [1, 1],
  is_float: [1, 1],
  is_num: [1, 1],
  is_map: [1, 1],
  is_array: [1, 1],
  is_empty: [1, 1],
  str: [1, 1],
  str_utf8: [1, 1],
  str_utf16_le: [1, 1],
  int: [1, 1],
  float: [1, 2],
  float2str: [2, 2],
  bool: [1, 1],
  map: [1, 1],
  bin2hexstr: [1, 2],
  hexstr2bin: [1, 2],
  sqlserver_bin2hexstr: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  trim: [1, 1],
  ltrim: [1, 1],
  rtrim: [1, 2],
  reverse: [1, 1],
  strlen: [1, 1],
  substr: [2, 3],
  pad: [2, 4],
  replace: [3, 4],
  ascii: [1, 1],
  find: [2, 3],
  rm_prefix: [2, 2],
  unescape: [1, 1],
  split: [2, 3],
  tokens: [2, 3],
  concat: [1, 2],
  join_to_string: [1, 2],
  join_to_sql_values_string: [1, 1],
  map_to_redis_hset_args: [1, 1],
  sprintf: [1, INF],
  regex_match: [2, 2],
  regex_replace: [3, 3],
  regex_extract: [2, 2],
  jq: [2, 3],
  map_new: [0, 0],
  map_get: [2, 3],
  map_put: [3, 3],
  mget: [2, 3],
  mput: [3, 3],
  map_keys: [1, 1],
  map_values: [1, 1],
  map_to_entries: [1, 1],
  map_size: [1, 1],
  nth: [2, 2],
  length: [1, 1],
  sublist: [2, 3],
  first: [1, 1],
  last: [1, 1],
  contains: [2, 2],
  md5: [1, 1],
  sha: [1, 1],
  sha256: [1, 1],
  hash: [2, 2],
  gzip: [1, 1],
  gunzip: [1, 1],
  zip: [1, 1],
  unzip: [1, 1],
  zip_compress: [1, 1],
  zip_uncompress: [1, 1],
  base64_encode: [1, 1],
  base64_decode: [1, 1],
  json_encode: [1, 1],
  json_decode: [1, 1],
  term_encode: [1, 1],
  term_decode: [1, 1],
  bitnot: [1, 1],
  bitand: [2, 2],
  bitor: [2, 2],
  bitxor: [2, 2],
  bitsl: [2, 2],
  bitsr: [2, 2],
  bitsize: [1, 1],
  bytesize: [1, 1],
  subbits: [2, 6],
  now_timestamp: [0, 1],
  now_rfc3339: [0, 1],
  unix_ts_to_rfc3339: [1, 2],
  rfc3339_to_unix_ts: [1, 2],
  format_date: [3, 4],
  date_to_unix_ts: [3, 4],
  timezone_to_offset_seconds: [1, 1],
  timezone_to_second: [1, 1],
  mongo_date: [0, 2],
  uuid_v4: [0, 0],
  uuid_v4_no_hyphen: [0, 0],
  getenv: [1, 1],
  coalesce: [1, 2],
  coalesce_ne: [1, 2],
  null: [0, 0],
  eq: [2, 2],
  proc_dict_get: [1, 1],
  proc_dict_put: [2, 2],
  proc_dict_del: [1, 1],
  kv_store_get: [1, 2],
  kv_store_put: [2, 2],
  kv_store_del: [1, 1],
  contains_topic: [2, 3],
  contains_topic_match: [2, 3],
};

test('the registry holds exactly the EMQX built-ins with their arity ranges', () => {
  assert.deepEqual([...FUNCTIONS.keys()].sort(), Object.keys(EXPECTED).sort());
  for (const [name, [min, max]] of Object.entries(EXPECTED)) {
    const def = lookupFunction(name)!;
    assert.deepEqual([def.minArity, def.maxArity], [min, max], name);
  }
});

test('the IoT shortcut functions are left to the compiler', () => {
  for (const name of ['topic', 'qos', 'clientid', 'username', 'payload', 'msgid', 'peerhost', 'flags', 'flag']) {
    assert.equal(lookupFunction(name), undefined, name);
  }
});

test('function names are case-sensitive', () => {
  assert.ok(lookupFunction('upper'));
  assert.equal(lookupFunction('UPPER'), undefined);
  assert.equal(lookupFunction('Upper'), undefined);
});

test('every definition has a name matching its key, sane arities and a doc string', () => {
  for (const [name, def] of FUNCTIONS) {
    assert.equal(def.name, name);
    assert.ok(def.minArity >= 0 && def.minArity <= def.maxArity, name);
    assert.ok(def.doc.startsWith(`${name}(`) || def.doc.startsWith(`${name.split('_')[0]}`), `${name} doc names it`);
    assert.ok(def.doc.length > 20, `${name} has a doc`);
  }
});

test('building the registry with a duplicate name throws FUNC_DUPLICATE', () => {
  const a: FunctionDef = { name: 'dup', minArity: 0, maxArity: 0, impl: () => 1, doc: 'dup(): one' };
  const b: FunctionDef = { ...a, impl: () => 2 };
  assert.throws(
    () => buildRegistry([[a], [b]]),
    (e: unknown) => e instanceof RuleFunctionError && e.code === 'FUNC_DUPLICATE' && e.functionName === 'dup',
  );
  assert.equal(buildRegistry(CATEGORIES.map((c) => c.functions)).size, FUNCTIONS.size);
});

const docsPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs/functions.md');

test('docs/functions.md lists every function and documents every error code', () => {
  const md = readFileSync(docsPath, 'utf8');
  for (const name of FUNCTIONS.keys()) assert.ok(md.includes(`\`${name}\``), `${name} is in docs/functions.md`);
  for (const code of Object.keys(FUNCTION_ERROR_CODES)) assert.ok(md.includes(code), `${code} is documented`);
});

test('docs/functions.md is up to date with the doc strings', async () => {
  const { renderFunctionsDoc } = await import('../../../tools/functions-doc.js');
  assert.equal(readFileSync(docsPath, 'utf8'), renderFunctionsDoc(), 'regenerate with: node dist/tools/functions-doc.js > docs/functions.md');
});
