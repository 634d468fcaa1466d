import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic, formatDiagnostics, parseRulesFile, RulesFileError, type RulesFileDiagnostic } from '../../../grammar/rules-file/index.js';

test('renders file:line:col: CODE: message, the source line and a caret under the offending token', () => {
  const text = `CREATE RULE r AS SELECT 1 FROM "t" INTO console;\nCREATE RULE r AS SELECT 2 FROM "t" INTO console;\n`;
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.equal(
    formatDiagnostic(diagnostics[0], 'rules.sql', text),
    [
      'rules.sql:2:13: RULES_DUPLICATE_NAME: rule `r` is already declared at 1:13; rule names must be unique',
      'CREATE RULE r AS SELECT 2 FROM "t" INTO console;',
      '            ^',
    ].join('\n'),
  );
});

test('the caret covers the whole token and the brief example message renders as specified', () => {
  const text = `CREATE CONNECTOR hstream TYPE hstreamdb WITH (\n  url = 'hstream://127.0.0.1:6570'\n  grpc_timeout = '30s'\n);`;
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.equal(
    formatDiagnostics(diagnostics, 'conf/rules.sql', text),
    ["conf/rules.sql:3:3: RULES_SYNTAX: expected ',' or ')' after setting `url` but found 'grpc_timeout'", "  grpc_timeout = '30s'", '  ^^^^^^^^^^^^'].join(
      '\n',
    ),
  );
});

test('warnings say so; tabs in the source line are kept so the caret lines up', () => {
  const text = `\tCREATE RULE quiet AS SELECT 1 FROM "t";`;
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.equal(
    formatDiagnostic(diagnostics[0], 'rules.sql', text),
    [
      'rules.sql:1:14: warning: RULES_EMPTY_RULE: rule `quiet` has no INTO, so its output goes nowhere; add INTO console to see it',
      '\tCREATE RULE quiet AS SELECT 1 FROM "t";',
      '\t            ^^^^^',
    ].join('\n'),
  );
});

test('CRLF: the \\r is not printed and the caret is clipped to the end of the line', () => {
  const text = "CREATE CONNECTOR c TYPE t WITH (a = 'one\r\ntwo', b = env('X'));\r\n";
  const d: RulesFileDiagnostic = {
    code: 'RULES_SYNTAX',
    message: 'm',
    line: 1,
    column: 37,
    offset: 36,
    length: 10,
    severity: 'error',
  };
  assert.equal(
    formatDiagnostic(d, 'r.sql', text),
    "r.sql:1:37: RULES_SYNTAX: m\nCREATE CONNECTOR c TYPE t WITH (a = 'one\n                                    ^^^^",
  );
  const { diagnostics } = parseRulesFile(text, { fileName: 'r.sql' });
  assert.equal(
    formatDiagnostic(diagnostics[0], 'r.sql', text),
    "r.sql:2:15: RULES_ENV_MISSING: environment variable X is not set (needed by `b`)\ntwo', b = env('X'));\n              ^^^",
  );
});

test('a diagnostic at the end of the file gets one caret after the last character', () => {
  const text = 'CREATE CONNECTOR c TYPE t';
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  assert.equal(
    formatDiagnostic(diagnostics[0], 'rules.sql', text),
    "rules.sql:1:26: RULES_SYNTAX: expected WITH (...) or ';' after TYPE t but found end of file\nCREATE CONNECTOR c TYPE t\n                         ^",
  );
});

test('RulesFileError carries the code, the diagnostics and the rendered errors (warnings left out)', () => {
  const text = `CREATE RULE quiet AS SELECT 1 FROM "t";\nCREATE RULE r AS SELECT 1 FROM "t" INTO nope;`;
  const { diagnostics } = parseRulesFile(text, { fileName: 'rules.sql' });
  const err = new RulesFileError('rules.sql', diagnostics, text);
  assert.equal(err.code, 'RULES_FILE_INVALID');
  assert.equal(err.diagnostics.length, 2);
  assert.equal(
    err.message,
    'rules.sql: 1 error(s)\nrules.sql:2:41: RULES_UNKNOWN_ACTION: rule `r` sends to action `nope`, but no CREATE ACTION nope exists\n' +
      'CREATE RULE r AS SELECT 1 FROM "t" INTO nope;\n                                        ^^^^',
  );
});
