import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseActionSettings, parseConnectorSettings } from '../../../sinks/hstreamdb/config.js';
import { SettingsError } from '../../../sinks/errors.js';

function issues(fn: () => unknown): { key: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    assert.equal(e.code, 'SETTINGS_INVALID');
    return [...e.issues];
  }
  assert.fail('expected a SettingsError');
}

test('connector settings: a url alone gives the documented defaults', () => {
  const c = parseConnectorSettings({ url: 'hstream://127.0.0.1:6570' });
  assert.equal(c.tls, false);
  assert.equal(c.grpcTimeoutMs, 30_000);
  assert.deepEqual(c.hosts, [{ host: '127.0.0.1', port: 6570 }]);
  assert.equal(c.ssl.verify, true);
  assert.equal(c.username, undefined);
  assert.ok(Object.isFrozen(c));
});

test('connector settings: hstreams:// means TLS, and ssl = true turns TLS on for any scheme', () => {
  assert.equal(parseConnectorSettings({ url: 'hstreams://h' }).tls, true);
  assert.equal(parseConnectorSettings({ url: 'https://h' }).tls, true);
  assert.equal(parseConnectorSettings({ url: 'http://h', ssl: true }).tls, true);
  assert.equal(parseConnectorSettings({ url: 'hstream://h', ssl: 'true' }).tls, true);
  const c = parseConnectorSettings({ url: 'hstream://h', ssl: true, ssl_verify: false, ssl_server_name: 'db.local', grpc_timeout: '5s' });
  assert.deepEqual(c.ssl, { caFile: undefined, certFile: undefined, keyFile: undefined, verify: false, serverName: 'db.local' });
  assert.equal(c.grpcTimeoutMs, 5000);
});

test('connector settings: every problem is reported at once, with key, expectation and found value', () => {
  assert.deepEqual(
    issues(() => parseConnectorSettings({ url: 'ftp://x', grpc_timeout: '30', ssl: 'yes', foo: 1 })),
    [
      { key: 'url', message: "`url` unsupported scheme 'ftp://'; use hstream://, hstreams://, http:// or https://" },
      { key: 'grpc_timeout', message: "`grpc_timeout` must be a duration ≥ 1ms with a unit, like '500ms', '30s' or '1m' (got '30')" },
      { key: 'ssl', message: "`ssl` must be true or false (got 'yes')" },
      {
        key: 'foo',
        message:
          'unknown setting `foo` for type hstreamdb; expected one of type, url, grpc_timeout, ssl, ssl_ca, ssl_cert, ssl_key, ssl_verify, ssl_server_name, username, password, append_threads',
      },
    ],
  );
});

test('connector settings: url is required; ssl = false contradicts hstreams://', () => {
  assert.deepEqual(
    issues(() => parseConnectorSettings({})),
    [{ key: 'url', message: '`url` is required' }],
  );
  assert.deepEqual(
    issues(() => parseConnectorSettings({ url: 'hstreams://h', ssl: false })).map((i) => i.key),
    ['ssl'],
  );
});

test('connector settings: TLS files must exist, need TLS, and cert and key go together', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-cfg-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'x');
  const ok = parseConnectorSettings({ url: 'hstreams://h', ssl_ca: ca });
  assert.equal(ok.ssl.caFile, ca);
  const found = issues(() => parseConnectorSettings({ url: 'hstreams://h', ssl_ca: join(dir, 'missing.pem'), ssl_cert: ca }));
  assert.deepEqual(
    found.map((i) => i.key),
    ['ssl_ca', 'ssl_key'],
  );
  assert.match(found[0].message, /must name a readable file/);
  assert.match(found[1].message, /`ssl_cert` and `ssl_key` go together/);
  assert.deepEqual(
    issues(() => parseConnectorSettings({ url: 'hstream://h', ssl_ca: ca })).map((i) => i.message),
    ['`ssl_ca` is set but TLS is off; use an hstreams:// url or set ssl = true'],
  );
});

test('connector settings: username and password go together', () => {
  const c = parseConnectorSettings({ url: 'hstream://h', username: 'u', password: 'p' });
  assert.equal(c.username, 'u');
  assert.equal(c.password, 'p');
  assert.deepEqual(
    issues(() => parseConnectorSettings({ url: 'hstream://h', username: 'u' })).map((i) => i.key),
    ['password'],
  );
});

test('action settings: stream and connector alone give the documented defaults', () => {
  const a = parseActionSettings({ connector: 'c1', stream: 'temp_hum' });
  assert.deepEqual(
    { ...a },
    {
      connector: 'c1',
      stream: 'temp_hum',
      partitionKey: '',
      recordTemplate: '${payload}',
      recordFormat: 'auto',
      batchSize: 100,
      batchIntervalMs: 500,
      maxBatches: 500,
      compression: 'none',
      grpcFlushTimeoutMs: 10_000,
      queryMode: 'async',
      inflightWindow: 100,
      requestTtlMs: 45_000,
      maxBufferBytes: 256 * 1024 * 1024,
      healthCheckIntervalMs: 15_000,
      ackMode: 'broker',
      bufferMode: 'memory',
      bufferDir: undefined,
      notes: [],
    },
  );
});

test('action settings: every problem is reported at once', () => {
  assert.deepEqual(
    issues(() =>
      parseActionSettings({
        stream: '1bad',
        batch_size: 'abc',
        compression: 'lz4',
        query_mode: 'maybe',
        max_buffer_bytes: '1TB',
        request_ttl: 45,
        inflight_window: 0,
        record_format: 'xml',
        foo: 'bar',
      }),
    ),
    [
      { key: 'connector', message: '`connector` is required' },
      { key: 'stream', message: "`stream` must be a stream name: 1–255 characters, a letter first, then letters, digits, '-' or '_' (got '1bad')" },
      { key: 'record_format', message: "`record_format` must be one of auto, json, raw (got 'xml')" },
      { key: 'batch_size', message: "`batch_size` must be an integer ≥ 1 (got 'abc')" },
      { key: 'compression', message: "`compression` must be one of none, gzip, zstd (got 'lz4')" },
      { key: 'query_mode', message: "`query_mode` must be one of async, sync (got 'maybe')" },
      { key: 'inflight_window', message: '`inflight_window` must be an integer ≥ 1 (got 0)' },
      { key: 'request_ttl', message: "`request_ttl` must be a duration ≥ 1ms with a unit, like '500ms', '30s' or '1m' (got 45)" },
      { key: 'max_buffer_bytes', message: "`max_buffer_bytes` must be a size ≥ 1024 bytes, like '256MB', '1MiB' or '512KB' (got '1TB')" },
      {
        key: 'foo',
        message:
          'unknown setting `foo` for type hstreamdb; expected one of type, connector, stream, partition_key, record_template, record_format, batch_size, batch_interval, max_batches, compression, grpc_flush_timeout, query_mode, inflight_window, request_ttl, max_buffer_bytes, health_check_interval, ack_mode, buffer_mode, buffer_dir',
      },
    ],
  );
});

test('action settings: ack_mode, buffer_mode and buffer_dir are validated, kept and explained in notes', () => {
  const a = parseActionSettings({ connector: 'c', stream: 's', ack_mode: 'sink', buffer_mode: 'disk', buffer_dir: '/var/lib/rulemq' });
  assert.equal(a.ackMode, 'sink');
  assert.equal(a.bufferMode, 'disk');
  assert.equal(a.bufferDir, '/var/lib/rulemq');
  assert.equal(a.notes.length, 2);
  assert.match(a.notes[0], /acknowledged once written/);
  assert.match(a.notes[1], /\/var\/lib\/rulemq/);
  const d = parseActionSettings({ connector: 'c', stream: 's' });
  assert.deepEqual([d.ackMode, d.bufferMode, d.bufferDir, d.notes.length], ['broker', 'memory', undefined, 0]);
  assert.deepEqual(
    issues(() => parseActionSettings({ connector: 'c', stream: 's', ack_mode: 'never' })),
    [{ key: 'ack_mode', message: "`ack_mode` must be one of broker, sink (got 'never')" }],
  );
  assert.deepEqual(
    issues(() => parseActionSettings({ connector: 'c', stream: 's', buffer_mode: 'disk' })),
    [
      {
        key: 'buffer_dir',
        message: "`buffer_dir` is required with buffer_mode = 'disk': a directory for this action's buffer, like '/var/lib/rulemq/to_hstream'",
      },
    ],
  );
  assert.deepEqual(
    issues(() => parseActionSettings({ connector: 'c', stream: 's', buffer_dir: '/tmp/x' })),
    [{ key: 'buffer_dir', message: "`buffer_dir` is set but buffer_mode is 'memory'; add buffer_mode = 'disk' or remove buffer_dir" }],
  );
});

test('action settings: stream names follow HStreamDB rules', () => {
  for (const ok of ['temp_hum', 'a', 'Sensor-1', 'données']) assert.equal(parseActionSettings({ connector: 'c', stream: ok }).stream, ok);
  for (const bad of ['', '_x', 'a b', 'a.b', 'x'.repeat(256)]) {
    assert.deepEqual(
      issues(() => parseActionSettings({ connector: 'c', stream: bad })).map((i) => i.key),
      ['stream'],
      bad,
    );
  }
});

test('action settings: units and values are read as written', () => {
  const a = parseActionSettings({
    connector: 'c',
    stream: 's',
    batch_size: '10',
    batch_interval: '20ms',
    max_batches: 3,
    compression: 'zstd',
    grpc_flush_timeout: '1s',
    query_mode: 'sync',
    inflight_window: '4',
    request_ttl: '1m',
    max_buffer_bytes: '1MiB',
    health_check_interval: '2s',
    partition_key: '${clientid}',
    record_template: '{"a": ${a}}',
    record_format: 'json',
  });
  assert.deepEqual(
    [
      a.batchSize,
      a.batchIntervalMs,
      a.maxBatches,
      a.compression,
      a.grpcFlushTimeoutMs,
      a.queryMode,
      a.inflightWindow,
      a.requestTtlMs,
      a.maxBufferBytes,
      a.healthCheckIntervalMs,
    ],
    [10, 20, 3, 'zstd', 1000, 'sync', 4, 60_000, 1024 * 1024, 2000],
  );
});

test('action settings: a record_template that starts like JSON but is not JSON is an error at the place it breaks', () => {
  const base = { connector: 'c', stream: 's' };
  const cases: Array<{ template: string; offset: number; message: RegExp }> = [
    { template: '{"t": ${temp}, "c": ${clientid}', offset: 31, message: /expected ',' or '}' but found the end of the template/ },
    { template: '  {"t": ${temp},}', offset: 16, message: /expected a quoted key but found '}'/ },
    { template: '{"t": ${temp} "c": 1}', offset: 14, message: /expected ',' or '}' but found '"'/ },
    { template: '[1, 2', offset: 5, message: /expected ',' or ']'/ },
    { template: '{"t": "unterminated}', offset: 20, message: /expected '"' closing the string/ },
    { template: '{"t": ${temp}} trailing', offset: 15, message: /expected nothing after the JSON value but found 't'/ },
  ];
  for (const c of cases) {
    const found = issues(() => parseActionSettings({ ...base, record_template: c.template }));
    assert.equal(found.length, 1, c.template);
    assert.equal(found[0].key, 'record_template');
    assert.equal((found[0] as { valueOffset?: number }).valueOffset, c.offset, c.template);
    assert.match(found[0].message, c.message, c.template);
    assert.match(found[0].message, /record_format = 'raw'/);
    // Same with record_format = 'json'.
    assert.equal(issues(() => parseActionSettings({ ...base, record_template: c.template, record_format: 'json' })).length, 1);
  }
});

test("action settings: record_format = 'raw' writes any template as text on purpose; text and valid JSON templates pass", () => {
  const base = { connector: 'c', stream: 's' };
  assert.equal(parseActionSettings({ ...base, record_template: '{"t": ${temp}', record_format: 'raw' }).recordFormat, 'raw');
  for (const template of [
    '${payload}',
    'temp=${temp} {not json',
    '{"t": ${temp}, "c": ${clientid}}',
    '[${a}, "x-${b}"]',
    ' {"n": {"deep": [1, 2.5e3, true, null]}} ',
  ]) {
    assert.equal(parseActionSettings({ ...base, record_template: template }).recordTemplate, template);
  }
});
