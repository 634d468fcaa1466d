import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRulesFile } from '../../../grammar/rules-file/index.js';

test('a file with 1000 rules, 100 actions and 10 connectors parses correctly within a generous bound', () => {
  const parts: string[] = [];
  for (let c = 0; c < 10; c++) parts.push(`CREATE CONNECTOR conn_${c} TYPE hstreamdb WITH (url = 'hstream://h${c}:6570', password = env('PW'));`);
  for (let a = 0; a < 100; a++) {
    parts.push(`CREATE ACTION act_${a} TYPE hstreamdb WITH (connector = 'conn_${a % 10}', stream = 's${a}', batch_size = ${a + 1});`);
  }
  for (let r = 0; r < 1000; r++) {
    parts.push(
      `-- rule ${r}\nCREATE RULE rule_${r} DESCRIPTION 'rule ''${r}''' AS\n  SELECT payload.v as v, 'INTO' as s FROM "t/${r}/#" WHERE payload.v > ${r}\n` +
        `  INTO act_${r % 100}, republish(topic = 'out/${r}', qos = ${r % 3});`,
    );
  }
  const text = parts.join('\n');
  const started = performance.now();
  const { file, diagnostics } = parseRulesFile(text, { fileName: 'rules.sql', env: { PW: 'x' } });
  const elapsedMs = performance.now() - started;
  assert.deepEqual(diagnostics, []);
  assert.equal(file.connectors.length, 10);
  assert.equal(file.actions.length, 100);
  assert.equal(file.rules.length, 1000);
  assert.equal(file.rules[999].sql, `SELECT payload.v as v, 'INTO' as s FROM "t/999/#" WHERE payload.v > 999`);
  assert.equal(file.rules[999].description, "rule '999'");
  assert.equal(file.rules[999].sqlPos.line, 110 + 999 * 4 + 3);
  // A sanity bound only (speed is measured in benchmarks/): it takes milliseconds; a regression to quadratic would not.
  assert.ok(elapsedMs < 5000, `took ${elapsedMs} ms`);
});
