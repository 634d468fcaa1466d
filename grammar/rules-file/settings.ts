import type { Setting, Settings, SettingValue } from './ast.js';
import type { TokenStream } from './stream.js';
import type { Token } from './tokens.js';

/** Environment variables visible to `env('NAME')`. A variable set to `undefined` counts as missing. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface ParsedSettings {
  settings: Settings;
  /**
   * Every key written in the list, with the offset and length of the key. A key in here but not in `settings` had a
   * value that failed (missing env var, bad number...), which was already reported: checks must not also call it
   * missing.
   */
  keys: Map<string, KeyExtent>;
}

/** Where a key and its value are written (the value extent covers `env('X')` whole). */
export interface KeyExtent {
  offset: number;
  length: number;
  valueOffset: number;
  valueLength: number;
}

/**
 * `( key = value, ... )` with an optional trailing comma; `opener` (`WITH`, `republish`) names what precedes the
 * list in messages. Value errors (missing env var, unquoted text) are reported and parsing continues; structural
 * errors abort the statement.
 */
export function parseSettingsList(ts: TokenStream, env: EnvMap, opener: string): ParsedSettings {
  const settings: Settings = new Map();
  const keys: ParsedSettings['keys'] = new Map();
  const open = ts.peek();
  if (!ts.isPunct(open, '(')) ts.fail(`expected '(' after ${opener}`, open);
  ts.next();
  if (ts.isPunct(ts.peek(), ')')) {
    ts.next();
    return { settings, keys };
  }
  let after = `'('`;
  for (;;) {
    const keyTok = ts.peek();
    if (keyTok.kind !== 'ident') {
      const hint = keyTok.kind === 'string' || keyTok.kind === 'quoted' ? ' (setting names are not quoted)' : '';
      ts.fail(`expected a setting name${hint} after ${after}`, keyTok);
    }
    ts.next();
    const key = keyTok.text;
    const eq = ts.peek();
    if (!ts.isPunct(eq, '=')) ts.fail(`expected '=' after setting \`${key}\``, eq);
    ts.next();
    const parsed = parseValue(ts, env, key);
    const first = keys.get(key);
    if (first !== undefined) {
      const p = ts.pos(first.offset);
      ts.report('RULES_DUPLICATE_KEY', `\`${key}\` is set twice in this list (first at ${p.line}:${p.column}); remove one`, keyTok.offset, key.length);
    } else {
      const valueLength = ts.prevEnd - parsed.at;
      keys.set(key, { offset: keyTok.offset, length: key.length, valueOffset: parsed.at, valueLength });
      if (parsed.value !== undefined) {
        const setting: Setting = { value: parsed.value, keyPos: ts.pos(keyTok.offset), valuePos: ts.pos(parsed.at) };
        if (parsed.env !== undefined) setting.env = parsed.env;
        settings.set(key, setting);
      }
    }
    const sep = ts.peek();
    if (ts.isPunct(sep, ')')) {
      ts.next();
      return { settings, keys };
    }
    if (!ts.isPunct(sep, ',')) ts.failMissing(`expected ',' or ')' after setting \`${key}\``, sep);
    ts.next();
    if (ts.isPunct(ts.peek(), ')')) {
      ts.next();
      return { settings, keys };
    }
    after = `','`;
  }
}

interface ParsedValue {
  /** undefined when the value was reported as bad (the caller then leaves the key out of the map). */
  value: SettingValue | undefined;
  at: number;
  env?: string;
}

const EXPECTED_VALUE = "a 'string', a number, true, false or env('NAME')";

/** One value; the token(s) are always consumed unless the statement is abandoned. */
function parseValue(ts: TokenStream, env: EnvMap, key: string): ParsedValue {
  const t = ts.peek();
  switch (t.kind) {
    case 'string':
      ts.next();
      return { value: t.value as string, at: t.offset };
    case 'number': {
      ts.next();
      const n = t.value as number;
      if (!t.text.includes('.') && !Number.isSafeInteger(n)) {
        ts.report(
          'RULES_BAD_VALUE',
          `\`${key}\` = ${t.text} is beyond the largest exact integer (9007199254740991); quote it if it is text`,
          t.offset,
          t.end - t.offset,
        );
        return { value: undefined, at: t.offset };
      }
      return { value: n, at: t.offset };
    }
    case 'word':
      ts.next();
      ts.report(
        'RULES_SYNTAX',
        `${t.text} is not a number (numbers are like 100 or -1.5); quote text values: ${key} = '${t.text}'`,
        t.offset,
        t.end - t.offset,
      );
      return { value: undefined, at: t.offset };
    case 'quoted':
      ts.next();
      ts.report(
        'RULES_SYNTAX',
        `"..." is not a string here; use single quotes: ${key} = '${String(t.value ?? '').replace(/'/g, "''")}'`,
        t.offset,
        t.end - t.offset,
      );
      return { value: undefined, at: t.offset };
    case 'ident': {
      const upper = t.text.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') {
        ts.next();
        return { value: upper === 'TRUE', at: t.offset };
      }
      if (upper === 'ENV') return parseEnv(ts, env, key);
      ts.next();
      if (ts.isPunct(ts.peek(), '(')) ts.fail(`${t.text}(...) is not a known function: only env('NAME') may be used in a value`, t);
      ts.report('RULES_SYNTAX', `bare word ${t.text} is not a value; quote text values: ${key} = '${t.text}'`, t.offset, t.end - t.offset);
      return { value: undefined, at: t.offset };
    }
    case 'punct':
    case 'bad':
    case 'eof':
      return ts.fail(`expected ${EXPECTED_VALUE} after \`${key} =\``, t);
  }
}

/** `env('NAME')`, looked up in the map given to the parser (never in process.env directly). */
function parseEnv(ts: TokenStream, env: EnvMap, key: string): ParsedValue {
  const envTok = ts.next();
  const open = ts.peek();
  if (!ts.isPunct(open, '(')) ts.fail(`expected '(' after env (write env('NAME'))`, open);
  ts.next();
  const nameTok: Token = ts.peek();
  if (nameTok.kind !== 'string') ts.fail(`expected the variable name as a 'string', like env('HSTREAM_PASSWORD'),`, nameTok);
  ts.next();
  const close = ts.peek();
  if (!ts.isPunct(close, ')')) ts.fail(`expected ')' after env(${nameTok.text}`, close);
  ts.next();
  const name = nameTok.value as string;
  const value = Object.hasOwn(env, name) ? env[name] : undefined;
  if (value === undefined) {
    ts.report('RULES_ENV_MISSING', `environment variable ${name} is not set (needed by \`${key}\`)`, nameTok.offset, nameTok.end - nameTok.offset);
    return { value: undefined, at: envTok.offset };
  }
  return { value, at: envTok.offset, env: name };
}

/** How a value is shown in messages: strings quoted as in the file. */
export function showValue(v: SettingValue): string {
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}
