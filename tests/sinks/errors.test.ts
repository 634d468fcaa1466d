import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SINK_ERROR_CODES, SettingsError, SinkError } from '../../sinks/errors.js';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every SinkError code used in sinks/ is documented in SINK_ERROR_CODES', () => {
  const root = fileURLToPath(new URL('../../../sinks/', import.meta.url));
  const used = new Set<string>();
  for (const file of sources(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/SinkError\(\s*'([A-Z_]+)'/g)) used.add(m[1]);
    for (const m of readFileSync(file, 'utf8').matchAll(/'(SINK_[A-Z_]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size >= 8, `found only ${[...used].join(', ')}`);
  for (const code of used) assert.ok(code in SINK_ERROR_CODES, `${code} is not documented`);
  for (const [code, doc] of Object.entries(SINK_ERROR_CODES)) assert.ok(doc.length > 20, `${code} needs a description`);
});

test('SinkError and SettingsError carry stable codes', () => {
  const e = new SinkError('SINK_QUEUE_FULL', 'full');
  assert.equal(e.code, 'SINK_QUEUE_FULL');
  assert.ok(e instanceof Error);
  const s = new SettingsError([{ key: 'a', message: 'bad a' }]);
  assert.equal(s.code, 'SETTINGS_INVALID');
  assert.match(s.message, /bad a/);
});
