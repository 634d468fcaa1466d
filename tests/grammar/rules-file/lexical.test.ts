import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRulesFile } from '../../../grammar/rules-file/index.js';
import { EXAMPLE } from './helpers.js';

function parse(text: string, env?: Record<string, string | undefined>) {
  return parseRulesFile(text, { fileName: 'rules.sql', ...(env ? { env } : {}) });
}

function values(text: string, env?: Record<string, string | undefined>): Record<string, unknown> {
  const { file, diagnostics } = parse(text, env);
  assert.deepEqual(diagnostics, []);
  return Object.fromEntries([...file.connectors[0].settings].map(([k, s]) => [k, s.value]));
}

test('keywords are case-insensitive, names keep their case', () => {
  const text = `create Connector C1 type Hstreamdb with (a = 1);
Create ACTION Act TyPe hstreamdb WiTh (connector = 'C1');
cReAtE rUlE R1 eNaBlEd DeScRiPtIoN 'd' aS sElEcT * FrOm "t" InTo Act, CONSOLE, RePublish(topic = 'x');`;
  const { file, diagnostics } = parse(text);
  assert.deepEqual(diagnostics, []);
  assert.equal(file.connectors[0].name, 'C1');
  assert.equal(file.connectors[0].type, 'Hstreamdb');
  assert.equal(file.actions[0].name, 'Act');
  const r = file.rules[0];
  assert.equal(r.name, 'R1');
  assert.equal(r.enabled, true);
  assert.equal(r.description, 'd');
  assert.equal(r.sql, 'sElEcT * FrOm "t"');
  assert.deepEqual(
    r.targets.map((t) => t.kind),
    ['action', 'console', 'republish'],
  );
});

test('names are case-sensitive: an INTO that differs in case is unknown', () => {
  const { diagnostics } = parse(`CREATE ACTION act TYPE t;\nCREATE RULE r AS SELECT 1 FROM "t" INTO Act;`);
  assert.deepEqual(
    diagnostics.map((d) => d.code),
    ['RULES_UNKNOWN_ACTION'],
  );
  assert.match(diagnostics[0].message, /did you mean `act`\?/);
});

test('value types: strings, integers, negative and decimal numbers, booleans in any case', () => {
  assert.deepEqual(values(`CREATE CONNECTOR c TYPE t WITH (s = 'x', i = 42, n = -7, d = 1.5, nd = -0.25, z = 0, t1 = TRUE, f1 = False, e = '');`), {
    s: 'x',
    i: 42,
    n: -7,
    d: 1.5,
    nd: -0.25,
    z: 0,
    t1: true,
    f1: false,
    e: '',
  });
});

test("a doubled '' inside a setting string is one quote; backslashes are literal; strings may span lines", () => {
  assert.deepEqual(values(`CREATE CONNECTOR c TYPE t WITH (a = 'it''s', b = '''', c = 'a\\nb', d = 'l1\nl2');`), {
    a: "it's",
    b: "'",
    c: 'a\\nb',
    d: 'l1\nl2',
  });
});

test('a trailing comma, empty lists, no WITH, and comments inside lists are accepted', () => {
  const text = `/* header
   block */ CREATE CONNECTOR c TYPE t WITH (
  a = 1, -- first
  /* between */ b = 'x', -- trailing comma next
);
CREATE CONNECTOR d TYPE t WITH ();
CREATE CONNECTOR e TYPE t;;
`;
  const { file, diagnostics } = parse(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual([...file.connectors[0].settings.keys()], ['a', 'b']);
  assert.equal(file.connectors[1].settings.size, 0);
  assert.equal(file.connectors[2].settings.size, 0);
});

test('names and keys may contain - and _ and digits after the first character', () => {
  const { file, diagnostics } = parse(`CREATE CONNECTOR my-conn_2 TYPE t WITH (key-1 = 1);`);
  assert.deepEqual(diagnostics, []);
  assert.equal(file.connectors[0].name, 'my-conn_2');
  assert.deepEqual([...file.connectors[0].settings.keys()], ['key-1']);
});

test("env('NAME') takes the value from the env map, records the variable name, and is always a string", () => {
  const text = `CREATE CONNECTOR c TYPE t WITH (p = env('PW'), n = ENV('NUM'), e = env('EMPTY'));`;
  const { file, diagnostics } = parse(text, { PW: 'secret', NUM: '5', EMPTY: '' });
  assert.deepEqual(diagnostics, []);
  const s = file.connectors[0].settings;
  assert.deepEqual(s.get('p'), {
    value: 'secret',
    keyPos: { line: 1, column: 33, offset: 32 },
    valuePos: { line: 1, column: 37, offset: 36 },
    env: 'PW',
  });
  assert.equal(s.get('n')?.value, '5');
  assert.equal(s.get('e')?.value, '');
});

test('env() never reads process.env when no env map is given', () => {
  process.env.RULEMQ_TEST_ONLY_VAR = 'x';
  try {
    const { diagnostics } = parse(`CREATE CONNECTOR c TYPE t WITH (p = env('RULEMQ_TEST_ONLY_VAR'));`);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['RULES_ENV_MISSING'],
    );
  } finally {
    delete process.env.RULEMQ_TEST_ONLY_VAR;
  }
});

test('an env map entry set to undefined, or an inherited property name, counts as missing', () => {
  const { diagnostics } = parse(`CREATE CONNECTOR c TYPE t WITH (a = env('U'), b = env('constructor'));`, { U: undefined });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.column]),
    [
      ['RULES_ENV_MISSING', 41],
      ['RULES_ENV_MISSING', 55],
    ],
  );
});

test('CRLF line endings give the same lines, columns and values as LF; the SQL keeps its CRLFs', () => {
  const env = { HSTREAM_PASSWORD: 'pw' };
  const lf = parse(EXAMPLE, env);
  const crlfText = EXAMPLE.replace(/\n/g, '\r\n');
  const crlf = parse(crlfText, env);
  assert.deepEqual(crlf.diagnostics, []);
  const strip = (f: typeof lf.file) => JSON.stringify(f, (k, v) => (k === 'offset' ? undefined : v instanceof Map ? [...v] : v));
  assert.equal(strip(crlf.file).replace(/\\r/g, ''), strip(lf.file));
  const r = crlf.file.rules[0];
  assert.equal(r.sql, lf.file.rules[0].sql.replace(/\n/g, '\r\n'));
  assert.equal(crlfText.slice(r.sqlPos.offset, r.sqlPos.offset + r.sql.length), r.sql);
  assert.deepEqual(r.sqlPos, { line: 20, column: 3, offset: 583 + 19 });
});

test('CRLF: diagnostics point at the right line and column', () => {
  const text = 'CREATE CONNECTOR c TYPE t WITH (\r\n  a = 1\r\n  b = 2\r\n);\r\n';
  const { diagnostics } = parse(text);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column, d.message]),
    [['RULES_SYNTAX', 3, 3, "expected ',' or ')' after setting `a` but found 'b'"]],
  );
});

test('a byte order mark at the start is ignored', () => {
  const { file, diagnostics } = parse('\uFEFFCREATE CONNECTOR c TYPE t;');
  assert.deepEqual(diagnostics, []);
  assert.equal(file.connectors[0].name, 'c');
});
