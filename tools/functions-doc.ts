/**
 * Renders docs/functions.md from the definitions' doc strings. Run after a build:
 *   node dist/tools/functions-doc.js > docs/functions.md
 * A test fails when the checked-in file differs from this output.
 */
import { pathToFileURL } from 'node:url';
import { FUNCTION_ERROR_CODES } from '../rules/functions/errors.js';
import { CATEGORIES } from '../rules/functions/index.js';
import type { FunctionDef } from '../rules/functions/types.js';

/** Deliberate or unavoidable differences from EMQX 5.8.9, each with its reason. */
export const DIFFERENCES: readonly string[] = [
  'Integers and floats are kept apart as in EMQX (`str(2.0)` = "2.0", `is_float(6 / 3)`, `1 IN (1.0)` false, ' +
    'floats print as floats in JSON output and records), with two limits of the payload decoder, which runs for every ' +
    'message and so only looks for a `.0`: a payload number written with an exponent and an integral value (`1e3`) ' +
    'reads as an integer unless the payload also contains `.0`, and a payload integer beyond 2^53 loses digits. ' +
    'json_decode(), SQL literals and function results (nanosecond timestamps included) are exact.',
  'sprintf `~f`, `~e` and `~g` take integers (EMQX raises); every other function that EMQX restricts to floats or ' +
    'integers does the same here (`float2str(20, 2)` raises, `abs(2.5)` raises).',
  'Binaries produced by functions (gzip, zip, hexstr2bin, base64_decode, str_utf16_le, term_encode, subbits ' +
    "'bits') are Buffers; everywhere a string is accepted a Buffer is too, read as UTF-8 unless the function is " +
    'byte-oriented. term_decode returns strings for UTF-8 binaries.',
  "Regular expressions run on UTF-8 bytes as Erlang's re does unless the pattern starts with (*UTF8) or (*UCP): " +
    "`regex_match('é', '^.$')` is false, `'^..$'` true, and a match that splits a character returns a binary. " +
    'Where EMQX fails instead, rulemq keeps a character answer: a pattern with a code point past 0xFF (`\\x{20AC}`) ' +
    'without (*UTF8) runs on characters (EMQX refuses it), and `\\w`, `\\d`, `\\b` stay ASCII even with (*UCP).',
  'String functions work on characters (grapheme clusters where Erlang does, e.g. CRLF is one character). EMQX works ' +
    'on UTF-8 bytes in a few places where it then fails or splits a character (tokens with non-ASCII separators, ' +
    '~s field widths); rulemq keeps the character answer there. ascii(S) returns the first byte as EMQX does.',
  "The rule tester fills EMQX's default columns, with EMQX's atoms as atoms (a default `reason` of message_dropped " +
    "is the atom no_subscribers: `is_str(reason)` is false, `reason = 'no_subscribers'` true). The `event` column and " +
    'the columns of live events are strings in rulemq (atoms in EMQX), so `is_str(event)` is true here.',
  'Regular expressions are PCRE patterns run by RE2 (re2js), whose matching time is linear in the subject, so a ' +
    'pattern like `^(a+)+$` cannot stall the broker on a crafted payload (PCRE backtracks). RE2 has no back ' +
    'references (\\1, \\k<n>, (?P=n)) and no lookahead/lookbehind: those raise FUNC_UNSUPPORTED, as do recursion, ' +
    'conditionals, branch reset, \\G, \\K, \\X, \\C, backtracking verbs and option changes after the start of the ' +
    'pattern. Possessive quantifiers and atomic groups run as their greedy forms; PCRE `$` and \\Z (end, or before a ' +
    'final newline) include that final newline in the match.',
  'Maps of more than 32 keys keep insertion order in json_encode, str, map_keys, map_values, map_to_entries, ' +
    'map_to_redis_hset_args and term_encode; EMQX uses the hash order of large Erlang maps, which cannot be reproduced.',
  'sprintf `~p` never breaks lines (EMQX wraps terms wider than 80 columns), `~ts` with non-Latin-1 text works ' + '(EMQX raises).',
  "V8's Math library can differ from glibc's in the last bit for trigonometric and hyperbolic functions.",
  "rtrim(S, Chars) trims the listed characters; EMQX's rtrim/2 always raises.",
  'mput with a non-string key raises (EMQX builds a map that cannot be JSON-encoded); mget with a list key returns ' +
    'the default, as EMQX 5.8 does (the documented list form does not work there either).',
  'contains_topic and contains_topic_match work on lists of {"topic", "qos"} maps or plain topic strings; EMQX 5.8 ' +
    'expects atom-keyed maps and so always returns false on JSON data.',
  'proc_dict_* is one dictionary per broker process (EMQX: per Erlang process, i.e. per client connection); ' +
    'kv_store_* is one store per broker process, not persisted (EMQX: one ETS table per node).',
  'mongo_date returns the string "ISODate(...Z)" everywhere (EMQX returns it only in the rule tester and a MongoDB ' + 'date term otherwise).',
  'jq runs the real jq (jq-web, WebAssembly) in a worker thread while the rule waits: each call costs about 2 ms ' +
    "of event-loop time (EMQX's NIF is faster), and the default timeout is 1000 ms instead of EMQX's 10 s because a " +
    'stuck program stalls the whole broker until it expires.',
  'format_date with a negative timestamp uses floor division (EMQX truncates and prints odd sub-second fields).',
];

function arity(def: FunctionDef): string {
  if (def.maxArity === Infinity) return `${def.minArity}+`;
  return def.minArity === def.maxArity ? String(def.minArity) : `${def.minArity}–${def.maxArity}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderFunctionsDoc(): string {
  const lines: string[] = [];
  lines.push('<!-- Generated from rules/functions/*.ts by tools/functions-doc.ts; do not edit by hand. -->');
  lines.push('# Rule SQL built-in functions');
  lines.push('');
  lines.push(
    'rulemq implements the built-in functions of EMQX CE 5.8.9 (`emqx_rule_funcs`) with the same names (case-' +
      'sensitive), arities and behaviour, edge cases included; where the EMQX documentation and code disagree, the ' +
      'code wins. The IoT shortcut functions (`topic()`, `clientid()`, `payload()`...) belong to the compiler and ' +
      'are not listed here.',
  );
  lines.push('');
  lines.push(
    'Values: a missing field is `undefined` and prints as "undefined"; JSON null is `null`; strings are strings; ' +
      'raw bytes are binaries (Node Buffers); maps are JSON objects; arrays are lists.',
  );
  lines.push('');
  lines.push('## Errors');
  lines.push('');
  lines.push('A function that gets arguments it cannot handle throws a `RuleFunctionError` with one of these codes:');
  lines.push('');
  lines.push('| code | meaning |');
  lines.push('| --- | --- |');
  for (const code of Object.keys(FUNCTION_ERROR_CODES) as Array<keyof typeof FUNCTION_ERROR_CODES>) {
    lines.push(`| \`${code}\` | ${cell(FUNCTION_ERROR_CODES[code])} |`);
  }
  lines.push('');
  lines.push('## Differences from EMQX');
  lines.push('');
  for (const d of DIFFERENCES) lines.push(`- ${d}`);
  lines.push('');
  for (const cat of CATEGORIES) {
    lines.push(`## ${cat.title}`);
    lines.push('');
    lines.push('| function | arity | description |');
    lines.push('| --- | --- | --- |');
    for (const def of cat.functions) lines.push(`| \`${def.name}\` | ${arity(def)} | ${cell(def.doc)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(renderFunctionsDoc());
}
