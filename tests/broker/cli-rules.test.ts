import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'rulemq-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('rulemq check', () => {
  test('a valid file: exit 0 with a summary', async () => {
    const f = file('ok.sql', `CREATE RULE a AS SELECT payload.x as x FROM "t/#" INTO console;\n`);
    const res = await run(['check', f]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /ok \(0 connector\(s\), 0 action\(s\), 1 rule\(s\)\)/);
  });

  test('every error is printed as file:line:col: code: message with a caret, exit 1', async () => {
    const f = file(
      'bad.sql',
      [
        'CREATE RULE a AS',
        '  SELECT payload.x as x FROM "t/#" WHERE',
        '  INTO console;',
        'CREATE RULE b AS SELECT nope_fn(1) FROM "t/#" INTO missing_action;',
        '',
      ].join('\n'),
    );
    const res = await run(['check', f]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:41: SQL_UNEXPECTED_TOKEN: .*end of input`));
    assert.match(res.stderr, /:4:\d+: SQL_UNKNOWN_FUNCTION: .*nope_fn/);
    assert.match(res.stderr, /:4:\d+: RULES_UNKNOWN_ACTION: /);
    assert.match(res.stderr, /\n\s*\^+/);
    assert.match(res.stderr, /3 error\(s\)/);
  });

  test('a record_template that looks like JSON but is not is reported at its line and column inside the file', async () => {
    const f = file(
      'template.sql',
      [
        "CREATE CONNECTOR hs TYPE hstreamdb WITH (url = 'hstream://127.0.0.1:6570');",
        "CREATE ACTION to_hs TYPE hstreamdb WITH (connector = 'hs', stream = 'temp_hum',",
        `  record_template = '{"t": \${temp}, "c": \${clientid}');`,
        "CREATE ACTION as_text TYPE hstreamdb WITH (connector = 'hs', stream = 'temp_hum', record_format = 'raw',",
        `  record_template = '{"t": \${temp}');`,
        'CREATE RULE r AS SELECT payload.temp as temp, clientid FROM "t/#" INTO to_hs, as_text;',
        '',
      ].join('\n'),
    );
    const res = await run(['check', f]);
    assert.equal(res.code, 1);
    // Column 53: the closing quote of the value, where a '}' is missing.
    assert.match(
      res.stderr,
      /template\.sql:3:53: SETTINGS_INVALID: `record_template` starts like JSON but is not valid JSON: expected ',' or '}' but found the end of the template/,
    );
    assert.match(res.stderr, /1 error\(s\)/);
  });

  test('an action whose connector is unknown still has its other settings checked', async () => {
    const f = file(
      'unresolved.sql',
      [
        "CREATE ACTION a TYPE hstreamdb WITH (connector = 'hstram', stream = '9bad', batch_size = 0);",
        "CREATE CONNECTOR hstream TYPE hstreamdb WITH (url = 'hstream://127.0.0.1:6570');",
        'CREATE RULE r AS SELECT 1 as x FROM "t" INTO a;',
        '',
      ].join('\n'),
    );
    const res = await run(['check', f]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /:1:\d+: RULES_UNKNOWN_CONNECTOR: .*did you mean `hstream`\?/);
    assert.match(res.stderr, /:1:\d+: SETTINGS_INVALID: `stream` must be a stream name/);
    assert.match(res.stderr, /:1:\d+: SETTINGS_INVALID: `batch_size` must be an integer ≥ 1 \(got 0\)/);
    assert.match(res.stderr, /3 error\(s\)/);
  });

  test('an unreadable file: exit 2', async () => {
    const res = await run(['check', join(dir, 'missing.sql')]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /cannot read/);
  });
});

describe('rulemq start with a rules file', () => {
  test('an invalid rules.sql stops start-up before any listener opens, with positions, exit 2', async () => {
    const f = file('startbad.sql', `CREATE RULE a AS SELECT FROM "t" INTO console;\n`);
    const res = await run(['start', '--rules', f, '--mqtt-port', '0', '--ws-port', 'off', '--http-port', 'off']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /RULES_INVALID: 1 error\(s\) in .*startbad\.sql:\n.*startbad\.sql:1:\d+: SQL_/);
    assert.doesNotMatch(res.stdout, /listening/);
  });
});

describe('rulemq test-rule', () => {
  const sql = 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"';

  test('prints the output JSON and exits 0', async () => {
    const res = await run([
      'test-rule',
      '--sql',
      sql,
      '--context',
      JSON.stringify({ topic: 'temp_hum/emqx', clientid: 'c1', payload: '{"temp": "27.5", "hum": "41.8"}' }),
    ]);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    assert.deepEqual({ ...out, up_timestamp: typeof out.up_timestamp }, { up_timestamp: 'number', client_id: 'c1', temp: '27.5', hum: '41.8' });
  });

  test('a no-match says why: FROM not matched by the topic, or WHERE false', async () => {
    const fromMiss = await run(['test-rule', '--sql', sql, '--context', '{"topic": "x/1"}']);
    assert.equal(fromMiss.code, 1);
    assert.deepEqual(JSON.parse(fromMiss.stderr), {
      code: 'NOT_MATCH',
      message: 'SQL Not Match',
      reason: `FROM does not match: the context's topic 'x/1' matches none of FROM "temp_hum/emqx"`,
    });
    const whereMiss = await run([
      'test-rule',
      '--sql',
      'SELECT payload.temp as t FROM "t/#" WHERE payload.temp > 30',
      '--context',
      '{"topic": "t/1", "payload": "{\\"temp\\": 20}"}',
    ]);
    assert.equal(whereMiss.code, 1);
    assert.equal((JSON.parse(whereMiss.stderr) as { reason: string }).reason, 'WHERE is false for this context');
  });

  test('exit 1 when the topic does not match, 2 on bad SQL or bad context JSON', async () => {
    assert.equal((await run(['test-rule', '--sql', sql, '--context', '{"topic": "x"}'])).code, 1);
    assert.equal((await run(['test-rule', '--sql', 'SELECT FROM'])).code, 2);
    assert.equal((await run(['test-rule', '--sql', sql, '--context', '{nope'])).code, 2);
  });
});
