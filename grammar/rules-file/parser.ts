/**
 * Recursive-descent parser for the statement layer of rules.sql:
 *
 *   file       := (statement | ';')*
 *   statement  := CREATE (CONNECTOR | ACTION) name TYPE name [WITH settings] ';'
 *              |  CREATE RULE name (ENABLED | DISABLED | DESCRIPTION 'text')* AS <select> [INTO target (',' target)*] ';'
 *   settings   := '(' [key '=' value (',' key '=' value)* [',']] ')'
 *   value      := 'string' | number | true | false | env('NAME')
 *   target     := name | console | republish settings
 *
 * Why hand-written rather than Chevrotain: the grammar is five LL(1) productions, and the hard part is the
 * <select> span, which must be scanned with EMQX's lexical rules (no string escapes) and paren depth up to the
 * top-level INTO. In Chevrotain that needs lexer modes, a custom stateful token matcher and a custom error message
 * provider, plus re-sync rules for "skip to the next ';' or CREATE"; that is more code than this parser, and its
 * messages would still need rewriting to name the setting ("after setting `url`"). Here a pull lexer hands the
 * offset after AS to select-span.ts and resumes where it stopped.
 *
 * Keywords are matched case-insensitively and are reserved as names (a rule cannot be called `as`).
 */
import type { ActionDecl, ConnectorDecl, Pos, RuleDecl, RuleTarget } from './ast.js';
import { validateRepublish } from './republish.js';
import { scanSelectSpan } from './select-span.js';
import { type EnvMap, type KeyExtent, parseSettingsList } from './settings.js';
import { SyntaxAbort, type TokenStream } from './stream.js';
import type { Token } from './tokens.js';

const KEYWORDS = new Set(['CREATE', 'CONNECTOR', 'ACTION', 'RULE', 'TYPE', 'WITH', 'AS', 'INTO', 'ENABLED', 'DISABLED', 'DESCRIPTION']);

export type DeclKind = 'connector' | 'action' | 'rule';

/** A declared name, recorded as soon as it is read, so a statement with a later syntax error still declares it. */
export interface DeclaredName {
  kind: DeclKind;
  name: string;
  offset: number;
}

/** An action plus where its settings are written (for positioned reference errors). */
export interface ParsedAction {
  decl: ActionDecl;
  keys: Map<string, KeyExtent>;
}

export interface ParsedStatements {
  /** Only statements that parsed without a syntax error. */
  connectors: ConnectorDecl[];
  actions: ParsedAction[];
  rules: RuleDecl[];
  /** Every name read, in file order, including those of statements that failed later. */
  declared: DeclaredName[];
}

export function parseStatements(ts: TokenStream, env: EnvMap): ParsedStatements {
  const out: ParsedStatements = { connectors: [], actions: [], rules: [], declared: [] };
  for (;;) {
    const t = ts.peek();
    if (t.kind === 'eof') return out;
    if (ts.isPunct(t, ';')) {
      ts.next(); // empty statement
      continue;
    }
    try {
      statement(ts, env, out);
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      ts.recover();
    }
  }
}

function statement(ts: TokenStream, env: EnvMap, out: ParsedStatements): void {
  const create = ts.peek();
  if (!ts.isKeyword(create, 'CREATE')) ts.fail('expected CREATE CONNECTOR, CREATE ACTION or CREATE RULE', create);
  ts.next();
  const what = ts.peek();
  if (ts.isKeyword(what, 'CONNECTOR')) {
    ts.next();
    const { decl } = connectorOrAction(ts, env, out, 'connector');
    out.connectors.push(decl);
  } else if (ts.isKeyword(what, 'ACTION')) {
    ts.next();
    out.actions.push(connectorOrAction(ts, env, out, 'action'));
  } else if (ts.isKeyword(what, 'RULE')) {
    ts.next();
    out.rules.push(rule(ts, env, out));
  } else {
    ts.fail('expected CONNECTOR, ACTION or RULE after CREATE', what);
  }
}

/** `name TYPE type [WITH (...)] ;` after CREATE CONNECTOR / CREATE ACTION. */
function connectorOrAction(ts: TokenStream, env: EnvMap, out: ParsedStatements, kind: 'connector' | 'action'): ParsedAction {
  const nameTok = expectName(ts, `a ${kind} name`, `CREATE ${kind.toUpperCase()}`);
  out.declared.push({ kind, name: nameTok.text, offset: nameTok.offset });
  const typeKw = ts.peek();
  if (!ts.isKeyword(typeKw, 'TYPE')) ts.fail(`expected TYPE after ${kind} \`${nameTok.text}\``, typeKw);
  ts.next();
  const typeTok = expectName(ts, `a ${kind} type (like hstreamdb)`, 'TYPE');
  let parsed: ReturnType<typeof parseSettingsList> = { settings: new Map(), keys: new Map() };
  const withKw = ts.peek();
  if (ts.isKeyword(withKw, 'WITH')) {
    ts.next();
    parsed = parseSettingsList(ts, env, 'WITH');
    expectSemicolon(ts, `expected ';' after the WITH (...) of ${kind} \`${nameTok.text}\``);
  } else {
    expectSemicolon(ts, `expected WITH (...) or ';' after TYPE ${typeTok.text}`);
  }
  const decl: ActionDecl = {
    name: nameTok.text,
    namePos: ts.pos(nameTok.offset),
    type: typeTok.text,
    typePos: ts.pos(typeTok.offset),
    settings: parsed.settings,
  };
  return { decl, keys: parsed.keys };
}

function rule(ts: TokenStream, env: EnvMap, out: ParsedStatements): RuleDecl {
  const nameTok = expectName(ts, 'a rule name', 'CREATE RULE');
  const name = nameTok.text;
  out.declared.push({ kind: 'rule', name, offset: nameTok.offset });
  let enabled: boolean | undefined;
  let description: string | undefined;
  for (;;) {
    const t = ts.peek();
    if (ts.isKeyword(t, 'ENABLED') || ts.isKeyword(t, 'DISABLED')) {
      ts.next();
      if (enabled !== undefined) {
        ts.report('RULES_SYNTAX', `rule \`${name}\` says ENABLED or DISABLED more than once`, t.offset, t.end - t.offset);
      }
      enabled = t.text.toUpperCase() === 'ENABLED';
    } else if (ts.isKeyword(t, 'DESCRIPTION')) {
      ts.next();
      const text = ts.peek();
      if (text.kind !== 'string') ts.fail("expected a 'string' after DESCRIPTION", text);
      ts.next();
      if (description !== undefined) {
        ts.report('RULES_SYNTAX', `rule \`${name}\` has more than one DESCRIPTION`, t.offset, t.end - t.offset);
      }
      description = text.value as string;
    } else if (ts.isKeyword(t, 'AS')) {
      ts.next();
      break;
    } else {
      ts.fail(`expected AS (or ENABLED, DISABLED, DESCRIPTION) after rule \`${name}\``, t);
    }
  }
  const first = ts.peek();
  if (!ts.isKeyword(first, 'SELECT') && !ts.isKeyword(first, 'FOREACH')) {
    ts.fail(`expected SELECT or FOREACH after AS in rule \`${name}\``, first);
  }
  const span = scanSelectSpan(ts.text, first.offset);
  ts.resetTo(span.resumeAt, span.stop === 'into' ? span.resumeAt : span.sqlEnd);
  if (span.unterminatedAt !== undefined) {
    const q = ts.text[span.unterminatedAt];
    const why = q === "'" ? " (inside a SELECT, '...' has no escapes: '' is two strings)" : '';
    ts.report('RULES_SYNTAX', `${q} in the SELECT of rule \`${name}\` is never closed${why}`, span.unterminatedAt, 1);
    throw new SyntaxAbort();
  }
  let broken = false;
  if (span.unclosedAt !== undefined) {
    const c = ts.text[span.unclosedAt];
    ts.report(
      'RULES_SYNTAX',
      `'${c}' in the SELECT of rule \`${name}\` is never closed, so the end of the SELECT (INTO or ';') cannot be found`,
      span.unclosedAt,
      1,
    );
    broken = true;
  }
  if (span.stop === 'create' || span.stop === 'eof') {
    ts.failMissing(`expected INTO or ';' after the SELECT of rule \`${name}\``, ts.peek());
  }
  if (broken) throw new SyntaxAbort();
  const targets = span.stop === 'into' ? intoTargets(ts, env) : [];
  return {
    name,
    namePos: ts.pos(nameTok.offset),
    enabled: enabled ?? true,
    ...(description !== undefined ? { description } : {}),
    sql: ts.text.slice(span.start, span.sqlEnd),
    sqlPos: ts.pos(span.start),
    targets,
  };
}

/** `target (',' target)* ';'` after INTO. */
function intoTargets(ts: TokenStream, env: EnvMap): RuleTarget[] {
  const targets: RuleTarget[] = [];
  let after = 'INTO';
  for (;;) {
    const t = ts.peek();
    const expected = `expected an action name, console or republish(...) after ${after}`;
    if (t.kind !== 'ident') ts.fail(expected, t);
    const upper = t.text.toUpperCase();
    const pos: Pos = ts.pos(t.offset);
    if (upper === 'CONSOLE') {
      ts.next();
      targets.push({ kind: 'console', pos });
    } else if (upper === 'REPUBLISH') {
      ts.next();
      if (!ts.isPunct(ts.peek(), '(')) {
        ts.fail("republish needs its settings in parentheses, like republish(topic = 'out/${clientid}'),", ts.peek());
      }
      const parsed = parseSettingsList(ts, env, 'republish');
      validateRepublish(parsed, { offset: t.offset, length: t.end - t.offset }, ts.report);
      targets.push({ kind: 'republish', settings: parsed.settings, pos });
    } else if (KEYWORDS.has(upper)) {
      ts.fail(expected, t);
    } else {
      ts.next();
      targets.push({ kind: 'action', name: t.text, pos });
    }
    const sep = ts.peek();
    if (ts.isPunct(sep, ';')) {
      ts.next();
      return targets;
    }
    if (!ts.isPunct(sep, ',')) ts.failMissing(`expected ',' or ';' after INTO target \`${t.text}\``, sep);
    ts.next();
    after = `','`;
  }
}

function expectName(ts: TokenStream, what: string, after: string): Token {
  const t = ts.peek();
  if (t.kind === 'ident' && !KEYWORDS.has(t.text.toUpperCase())) return ts.next();
  if (t.kind === 'ident') ts.fail(`expected ${what} after ${after} (keywords are not names)`, t);
  if (t.kind === 'string' || t.kind === 'quoted') ts.fail(`expected ${what} after ${after} (names are not quoted)`, t);
  return ts.fail(`expected ${what} after ${after}`, t);
}

function expectSemicolon(ts: TokenStream, message: string): void {
  const t = ts.peek();
  if (!ts.isPunct(t, ';')) ts.failMissing(message, t);
  ts.next();
}
