import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRulesFile, type RulesFile, type Settings } from '../../../grammar/rules-file/index.js';
import { at, EXAMPLE } from './helpers.js';

const ENV = { HSTREAM_PASSWORD: 's3cret' };

/** Settings map where each key/value position is found by searching `needle` (the `key = value` text). */
function settings(text: string, entries: Array<[key: string, value: string | number | boolean, needle: string, env?: string]>): Settings {
  const m: Settings = new Map();
  for (const [key, value, needle, env] of entries) {
    const p = at(text, needle);
    const valueAt = needle.indexOf('= ') + 2;
    const s = {
      value,
      keyPos: p,
      valuePos: { line: p.line, column: p.column + valueAt, offset: p.offset + valueAt },
      ...(env !== undefined ? { env } : {}),
    };
    m.set(key, s);
  }
  return m;
}

test('parses the spec example into typed settings, exact SQL text and positioned targets', () => {
  const { file, diagnostics } = parseRulesFile(EXAMPLE, { fileName: 'rules.sql', env: ENV });
  assert.deepEqual(diagnostics, []);
  const t = EXAMPLE;
  const expected: RulesFile = {
    connectors: [
      {
        name: 'hstream',
        namePos: { line: 2, column: 18, offset: 80 },
        type: 'hstreamdb',
        typePos: { line: 2, column: 31, offset: 93 },
        settings: settings(t, [
          ['url', 'hstream://127.0.0.1:6570', "url = 'hstream"],
          ['grpc_timeout', '30s', 'grpc_timeout = '],
          ['password', 's3cret', 'password = env', 'HSTREAM_PASSWORD'],
        ]),
      },
    ],
    actions: [
      {
        name: 'to_hstream',
        namePos: { line: 9, column: 15, offset: 251 },
        type: 'hstreamdb',
        typePos: { line: 9, column: 31, offset: 267 },
        settings: settings(t, [
          ['connector', 'hstream', 'connector = '],
          ['stream', 'temp_hum', 'stream = '],
          ['partition_key', '${client_id}', 'partition_key = '],
          ['record_template', '{"up_timestamp": ${up_timestamp}, "client_id": ${client_id}, "temp": ${temp}, "hum": ${hum}}', 'record_template = '],
          ['query_mode', 'async', 'query_mode = '],
          ['batch_size', 100, 'batch_size = '],
          ['batch_interval', '500ms', 'batch_interval = '],
        ]),
      },
    ],
    rules: [
      {
        name: 'temp_hum',
        namePos: at(t, 'temp_hum AS'),
        enabled: true,
        sql: 'SELECT timestamp as up_timestamp, clientid as client_id,\n' + '         payload.temp as temp, payload.hum as hum\n' + '  FROM "temp_hum/emqx"',
        sqlPos: { line: 20, column: 3, offset: 583 },
        targets: [{ kind: 'action', name: 'to_hstream', pos: { line: 23, column: 8, offset: 720 } }],
      },
      {
        name: 'alerts',
        namePos: { line: 25, column: 13, offset: 745 },
        enabled: false,
        description: 'too hot',
        sql: 'SELECT payload.temp as t FROM "t/#" WHERE payload.temp > 30',
        sqlPos: { line: 26, column: 3, offset: 788 },
        targets: [
          { kind: 'console', pos: { line: 27, column: 8, offset: 855 } },
          {
            kind: 'republish',
            pos: { line: 27, column: 17, offset: 864 },
            settings: settings(t, [
              ['topic', 'alerts/${clientid}', 'topic = '],
              ['qos', 1, 'qos = '],
              ['retain', false, 'retain = '],
              ['payload', '${t}', "payload = '"],
            ]),
          },
          { kind: 'action', name: 'to_hstream', pos: { line: 27, column: 101, offset: 948 } },
        ],
      },
    ],
  };
  assert.deepEqual(file, expected);
});

test('the hard-coded example positions agree with an independent line/column count', () => {
  assert.deepEqual(at(EXAMPLE, 'hstream TYPE'), { line: 2, column: 18, offset: 80 });
  assert.deepEqual(at(EXAMPLE, 'SELECT timestamp'), { line: 20, column: 3, offset: 583 });
  assert.deepEqual(at(EXAMPLE, 'to_hstream;'), { line: 23, column: 8, offset: 720 });
  assert.deepEqual(at(EXAMPLE, 'to_hstream;', 1), { line: 27, column: 101, offset: 948 });
  assert.deepEqual(at(EXAMPLE, 'republish('), { line: 27, column: 17, offset: 864 });
});

test('sqlPos.offset plus the sql text reproduces the source slice', () => {
  const { file } = parseRulesFile(EXAMPLE, { fileName: 'rules.sql', env: ENV });
  for (const r of file.rules) {
    assert.equal(EXAMPLE.slice(r.sqlPos.offset, r.sqlPos.offset + r.sql.length), r.sql);
  }
});

test('settings keep source order', () => {
  const { file } = parseRulesFile(EXAMPLE, { fileName: 'rules.sql', env: ENV });
  assert.deepEqual(
    [...file.actions[0].settings.keys()],
    ['connector', 'stream', 'partition_key', 'record_template', 'query_mode', 'batch_size', 'batch_interval'],
  );
});
