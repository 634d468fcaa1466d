/** Helpers for the rule SQL grammar tests: parse and strip source ranges so AST shapes compare by value. */
import { parseSql, SqlError, type ParseOptions, type Statement } from '../../grammar/index.js';

/** Deep copy without `range`/`nameRange` keys. */
export function strip<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'range' || k === 'nameRange' ? undefined : x))) as T;
}

export function ast(sql: string): Statement {
  return strip(parseSql(sql));
}

/** The first SELECT field's expression, without ranges. */
export function expr(fieldSql: string): unknown {
  const s = parseSql(`SELECT ${fieldSql} FROM t`);
  const f = s.fields[0];
  if (f.kind !== 'Field') throw new Error('not a field');
  return strip(f.expr);
}

/** The WHERE condition, without ranges. */
export function cond(condSql: string): unknown {
  return strip(parseSql(`SELECT a FROM t WHERE ${condSql}`).where);
}

/** The SqlError that parsing throws (fails the test when none is thrown). */
export function parseError(sql: string, opts?: ParseOptions): SqlError {
  try {
    parseSql(sql, opts);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error(`expected a SqlError for: ${sql}`);
}

export const num = (value: number, raw = String(value), isFloat = false) => ({ kind: 'Number', value, raw, isFloat });
export const str = (value: string) => ({ kind: 'String', value });
export const path = (root: string, ...steps: unknown[]) => ({ kind: 'Path', root, steps });
export const key = (k: string) => ({ kind: 'Key', key: k });
export const idx = (i: number) => ({ kind: 'Index', index: i });
