import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseRulesFile, RULES_FILE_CODES, type RulesFileCode } from '../../../grammar/rules-file/index.js';

const exercised = new Set<string>();

/** [code, line, column, message-or-pattern] of every diagnostic, recording which codes the suite exercised. */
function diags(text: string, env?: Record<string, string>) {
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql', ...(env ? { env } : {}) });
  for (const d of diagnostics) exercised.add(d.code);
  return diagnostics;
}
function brief(text: string, env?: Record<string, string>): Array<[string, number, number]> {
  return diags(text, env).map((d) => [d.code, d.line, d.column]);
}

const cases: Array<{ code: RulesFileCode; title: string; text: string; line: number; column: number; message: string | RegExp; length?: number }> = [
  {
    code: 'RULES_SYNTAX',
    title: 'a missing comma names the setting it follows',
    text: `CREATE CONNECTOR c TYPE t WITH (\n  url = 'x'\n  grpc_timeout = '30s'\n);`,
    line: 3,
    column: 3,
    message: "expected ',' or ')' after setting `url` but found 'grpc_timeout'",
    length: 12,
  },
  {
    code: 'RULES_DUPLICATE_NAME',
    title: 'two rules with the same name',
    text: `CREATE RULE r AS SELECT 1 FROM "t" INTO console;\nCREATE RULE r AS SELECT 2 FROM "t" INTO console;`,
    line: 2,
    column: 13,
    message: 'rule `r` is already declared at 1:13; rule names must be unique',
    length: 1,
  },
  {
    code: 'RULES_RESERVED_NAME',
    title: 'an action named republish',
    text: `CREATE ACTION RePublish TYPE t;`,
    line: 1,
    column: 15,
    message: /an action cannot be named `RePublish`/,
  },
  {
    code: 'RULES_UNKNOWN_ACTION',
    title: 'INTO an undeclared action',
    text: `CREATE ACTION to_db TYPE t;\nCREATE RULE r AS SELECT 1 FROM "t"\n  INTO console, to_bd;`,
    line: 3,
    column: 17,
    message: 'rule `r` sends to action `to_bd`, but no CREATE ACTION to_bd exists; did you mean `to_db`?',
    length: 5,
  },
  {
    code: 'RULES_UNKNOWN_CONNECTOR',
    title: 'an action using an undeclared connector',
    text: `CREATE ACTION a TYPE t WITH (\n  connector = 'nope'\n);`,
    line: 2,
    column: 15,
    message: "action `a` uses connector 'nope', but no CREATE CONNECTOR nope exists",
    length: 6,
  },
  {
    code: 'RULES_ENV_MISSING',
    title: 'env() of an unset variable names the variable',
    text: `CREATE CONNECTOR c TYPE t WITH (\n  password = env('HSTREAM_PASSWORD')\n);`,
    line: 2,
    column: 18,
    message: 'environment variable HSTREAM_PASSWORD is not set (needed by `password`)',
    length: 18,
  },
  {
    code: 'RULES_DUPLICATE_KEY',
    title: 'a key set twice',
    text: `CREATE CONNECTOR c TYPE t WITH (a = 1,\n b = 2, a = 3);`,
    line: 2,
    column: 9,
    message: '`a` is set twice in this list (first at 1:33); remove one',
  },
  {
    code: 'RULES_BAD_VALUE',
    title: 'a non-string connector setting',
    text: `CREATE CONNECTOR c TYPE t;\nCREATE ACTION a TYPE t WITH (connector = true);`,
    line: 2,
    column: 42,
    message: "`connector` must be a 'string' naming a CREATE CONNECTOR (got true)",
    length: 4,
  },
  {
    code: 'RULES_BAD_VALUE',
    title: 'an integer beyond 2^53',
    text: `CREATE CONNECTOR c TYPE t WITH (n = 9007199254740993);`,
    line: 1,
    column: 37,
    message: /beyond the largest exact integer/,
  },
  {
    code: 'RULES_BAD_REPUBLISH',
    title: 'republish without a topic',
    text: `CREATE RULE r AS SELECT 1 FROM "t" INTO republish(qos = 1);`,
    line: 1,
    column: 41,
    message: "republish needs a topic, like republish(topic = 'alerts/${clientid}')",
    length: 9,
  },
  {
    code: 'RULES_EMPTY_RULE',
    title: 'a rule without INTO (a warning)',
    text: `\nCREATE RULE quiet AS SELECT 1 FROM "t";`,
    line: 2,
    column: 13,
    message: 'rule `quiet` has no INTO, so its output goes nowhere; add INTO console to see it',
  },
  {
    code: 'RULES_DUPLICATE_TARGET',
    title: 'an action listed twice in INTO (a warning)',
    text: `CREATE ACTION a TYPE t;\nCREATE RULE r AS SELECT 1 FROM "t" INTO a, console, a;`,
    line: 2,
    column: 53,
    message: 'rule `r` lists `a` twice in INTO, so each output is sent twice',
  },
];

for (const c of cases) {
  test(`${c.code} (${RULES_FILE_CODES[c.code].severity}): ${c.title}`, () => {
    const ds = diags(c.text);
    assert.equal(ds.length, 1, JSON.stringify(ds));
    const d = ds[0];
    assert.equal(d.code, c.code);
    assert.equal(d.severity, RULES_FILE_CODES[c.code].severity);
    assert.deepEqual([d.line, d.column], [c.line, c.column]);
    if (typeof c.message === 'string') assert.equal(d.message, c.message);
    else assert.match(d.message, c.message);
    if (c.length !== undefined) assert.equal(d.length, c.length);
    // offset agrees with line/column
    const lineStart =
      c.text
        .split('\n')
        .slice(0, d.line - 1)
        .join('\n').length + (d.line > 1 ? 1 : 0);
    assert.equal(d.offset, lineStart + d.column - 1);
  });
}

test('republish settings: each bad value and key is reported at its own position', () => {
  const text = `CREATE RULE r AS SELECT 1 FROM "t" INTO republish(
  topic = 'a/#', qos = 3, retain = 'yes', payload = 1,
  foo = 1, mqtt_properties = 'x', user_properties = 'y'
);`;
  assert.deepEqual(
    diags(text).map((d) => [d.code, d.line, d.column, d.message]),
    [
      ['RULES_BAD_REPUBLISH', 2, 11, "republish topic contains the wildcard '#'; a published topic cannot have wildcards"],
      ['RULES_BAD_REPUBLISH', 2, 24, 'republish qos must be 0, 1 or 2 (got 3)'],
      ['RULES_BAD_REPUBLISH', 2, 36, "republish retain must be true or false (got 'yes')"],
      ['RULES_BAD_REPUBLISH', 2, 53, "republish payload must be a 'string' template, like payload = '${payload}' (got 1)"],
      [
        'RULES_BAD_REPUBLISH',
        3,
        3,
        'republish has no setting `foo`; it takes topic, qos, retain, payload and user_properties, payload_format_indicator, content_type, message_expiry_interval, response_topic, correlation_data',
      ],
      [
        'RULES_BAD_REPUBLISH',
        3,
        12,
        'republish takes each MQTT 5 property as its own setting: payload_format_indicator, content_type, message_expiry_interval, response_topic, correlation_data',
      ],
      ['RULES_BAD_REPUBLISH', 3, 53, "republish user_properties must be one placeholder for a map, like '${pub_props.''User-Property''}'"],
    ],
  );
});

test('republish MQTT 5 properties: templates or literals of their type; a $SYS topic is refused at load', () => {
  const ok = `CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = 'out', user_properties = '\${pub_props.''User-Property''}',
  payload_format_indicator = 1, content_type = 'application/json', message_expiry_interval = 60, response_topic = 'reply/\${clientid}',
  correlation_data = '\${id}');`;
  assert.deepEqual(brief(ok), []);
  const bad = `CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = '$SYS/x', payload_format_indicator = 2, message_expiry_interval = -1, content_type = 5);`;
  assert.deepEqual(
    diags(bad).map((d) => [d.code, d.column, d.message]),
    [
      ['RULES_BAD_REPUBLISH', 59, 'republish topic is under $SYS, which belongs to the broker: rules cannot publish there'],
      ['RULES_BAD_REPUBLISH', 96, 'republish payload_format_indicator must be 0, 1 or a template (got 2)'],
      ['RULES_BAD_REPUBLISH', 125, 'republish message_expiry_interval must be seconds from 0 to 4294967295 or a template (got -1)'],
      ['RULES_BAD_REPUBLISH', 144, "republish content_type must be a 'string' template (got 5)"],
    ],
  );
});

test('republish: placeholders may contain + but the topic itself may not; qos as a string is rejected', () => {
  assert.deepEqual(brief(`CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = 'a/\${x+y}/b', qos = 0, retain = TRUE);`), []);
  assert.deepEqual(brief(`CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = 'a/+', qos = '1');`), [
    ['RULES_BAD_REPUBLISH', 1, 59],
    ['RULES_BAD_REPUBLISH', 1, 72],
  ]);
  assert.deepEqual(brief(`CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = 1);`), [['RULES_BAD_REPUBLISH', 1, 59]]);
  assert.deepEqual(brief(`CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = '');`), [['RULES_BAD_REPUBLISH', 1, 59]]);
});

test('a republish topic from a missing env var is reported once, not also as missing', () => {
  assert.deepEqual(brief(`CREATE RULE r AS SELECT 1 FROM "t" INTO republish(topic = env('T'));`), [['RULES_ENV_MISSING', 1, 63]]);
});

test('references may point forward: an action uses a later connector, a rule a later action', () => {
  const text = `CREATE RULE r AS SELECT 1 FROM "t" INTO a;
CREATE ACTION a TYPE t WITH (connector = 'c');
CREATE CONNECTOR c TYPE t;`;
  assert.deepEqual(brief(text), []);
});

test('connectors, actions and rules have separate namespaces', () => {
  const text = `CREATE CONNECTOR x TYPE t;\nCREATE ACTION x TYPE t WITH (connector = 'x');\nCREATE RULE x AS SELECT 1 FROM "t" INTO x;`;
  assert.deepEqual(brief(text), []);
});

test('every documented code has a one-line doc and severity, and every code is exercised by this suite', () => {
  for (const [code, entry] of Object.entries(RULES_FILE_CODES)) {
    assert.match(code, /^RULES_[A-Z_]+$/);
    assert.ok(entry.doc.length > 20 && !entry.doc.includes('\n'), code);
    assert.ok(entry.severity === 'error' || entry.severity === 'warning', code);
  }
});

after(() => {
  // Runs after all tests of this file: each documented code must have been produced by at least one test above.
  assert.deepEqual([...exercised].sort(), Object.keys(RULES_FILE_CODES).sort());
});
