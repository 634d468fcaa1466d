import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../broker/config/load.js';
import { ConfigError, BrokerError } from '../../broker/errors.js';
import { SETTINGS, envName, flagName } from '../../broker/config/schema.js';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues.map((i) => i.message);
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-cfg-'));

  test('defaults match the documented ones', () => {
    const c = loadConfig({ env: {}, cwd: dir });
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.mqttPort, 1883);
    assert.equal(c.wsPort, 8083);
    assert.equal(c.wsPath, '/mqtt');
    assert.equal(c.httpHost, '127.0.0.1');
    assert.equal(c.httpPort, 18083);
    assert.equal(c.maxPacketBytes, 1048576);
    assert.equal(c.rules, null);
    assert.ok(Object.isFrozen(c));
  });

  test('maxDecompressedBytes defaults to 16 MiB and a bad value names the key', async () => {
    const { DEFAULT_MAX_DECOMPRESSED_BYTES } = await import('../../rules/functions/compression.js');
    assert.equal(loadConfig({ env: {}, cwd: dir }).maxDecompressedBytes, DEFAULT_MAX_DECOMPRESSED_BYTES);
    assert.equal(loadConfig({ env: { RULEMQ_MAX_DECOMPRESSED_BYTES: '1048576' }, cwd: dir }).maxDecompressedBytes, 1048576);
    const issues = issuesOf(() => loadConfig({ env: { RULEMQ_MAX_DECOMPRESSED_BYTES: '10' }, cwd: dir }));
    assert.ok(
      issues.some((m) => m.includes('RULEMQ_MAX_DECOMPRESSED_BYTES') && m.includes('1024')),
      issues.join('; '),
    );
  });

  test('precedence is flags > env > file > defaults', () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'mqttPort: 1001\nwsPort: 1002\nhttpPort: 1003\n');
    const c = loadConfig({ configFile: file, env: { RULEMQ_WS_PORT: '2002', RULEMQ_HTTP_PORT: '2003' }, flags: { httpPort: '3003' }, cwd: dir });
    assert.equal(c.mqttPort, 1001);
    assert.equal(c.wsPort, 2002);
    assert.equal(c.httpPort, 3003);
  });

  test('reports every bad key at once, naming the key and what was expected', () => {
    const msgs = issuesOf(() => loadConfig({ flags: { mqttPort: '70000', logLevel: 'loud', bogus: 1 }, env: { RULEMQ_MAX_PACKET_BYTES: 'big' }, cwd: dir }));
    assert.equal(msgs.length, 4);
    assert.ok(msgs.some((m) => m.includes('`--mqtt-port` must be a port from 0 to 65535') && m.includes("got '70000'")));
    assert.ok(msgs.some((m) => m.includes('`--log-level` must be one of trace|debug|info|warn|error|fatal|silent')));
    assert.ok(msgs.some((m) => m.includes('unknown setting `--bogus`')));
    assert.ok(msgs.some((m) => m.includes('`RULEMQ_MAX_PACKET_BYTES` must be an integer')));
  });

  test('an unknown RULEMQ_ variable is an error, RULEMQ_CONFIG is not', () => {
    const msgs = issuesOf(() => loadConfig({ env: { RULEMQ_MQTT_PROT: '1', RULEMQ_CONFIG: 'x' }, cwd: dir }));
    assert.deepEqual(msgs.length, 1);
    assert.match(msgs[0], /unknown setting `RULEMQ_MQTT_PROT`/);
  });

  test('an unknown key in the config file is an error', () => {
    const file = join(dir, 'u.yaml');
    writeFileSync(file, 'mqttPort: 1\nmqtt_port: 2\n');
    assert.match(issuesOf(() => loadConfig({ configFile: file, env: {}, cwd: dir }))[0], /unknown setting `mqtt_port`/);
  });

  test('a misspelt key suggests the right one instead of listing every key', () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'mqtt_port: 1884\nLogLevel: debug\nhttpPrt: 1\nfrobnicate: 1\n');
    const msgs = issuesOf(() => loadConfig({ configFile: file, env: { RULEMQ_MQTT_PROT: '1' }, cwd: dir }));
    assert.ok(msgs.includes('unknown setting `mqtt_port`; did you mean `mqttPort`?'), msgs.join('\n'));
    assert.ok(msgs.includes('unknown setting `LogLevel`; did you mean `logLevel`?'), msgs.join('\n'));
    assert.ok(msgs.includes('unknown setting `httpPrt`; did you mean `httpPort`?'), msgs.join('\n'));
    assert.ok(msgs.includes('unknown setting `RULEMQ_MQTT_PROT`; did you mean `RULEMQ_MQTT_PORT`?'), msgs.join('\n'));
    const far = msgs.find((m) => m.includes('frobnicate'));
    assert.equal(far, "unknown setting `frobnicate`; run 'rulemq start --help' for the list of settings");
  });

  test('RULEMQ_TEST_* variables (test and benchmark knobs) are not settings and do not stop start-up', () => {
    const c = loadConfig({ env: { RULEMQ_TEST_FUZZ_SECONDS: '30', RULEMQ_TEST_FUZZ_SEED: '7' }, cwd: dir });
    assert.equal(c.mqttPort, 1883);
  });

  test('a config file that is not YAML stops start-up with CONFIG_FILE_UNREADABLE', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'a: [1, 2\n');
    assert.throws(
      () => loadConfig({ configFile: file, env: {}, cwd: dir }),
      (err: unknown) => err instanceof BrokerError && err.code === 'CONFIG_FILE_UNREADABLE',
    );
    assert.throws(
      () => loadConfig({ configFile: join(dir, 'missing.yaml'), env: {}, cwd: dir }),
      (err: unknown) => err instanceof BrokerError && err.code === 'CONFIG_FILE_UNREADABLE',
    );
  });

  test('TLS needs both cert and key, and client verification needs a CA', () => {
    const cert = join(dir, 'c.pem');
    writeFileSync(cert, 'x');
    const msgs = issuesOf(() => loadConfig({ flags: { tlsCert: cert, tlsVerifyClient: 'true' }, env: {}, cwd: dir }));
    assert.ok(msgs.some((m) => m.includes('`tlsKey` is required when `tlsCert` is set')));
    assert.ok(msgs.some((m) => m.includes('`tlsCa` is required when `tlsVerifyClient` is true')));
  });

  test('files that do not exist are reported with the resolved path', () => {
    const msgs = issuesOf(() => loadConfig({ flags: { rules: 'nope.sql' }, env: {}, cwd: dir }));
    assert.match(msgs[0], /`rules` must name an existing file \(got 'nope.sql', not found at .*nope.sql\)/);
  });

  test('./rules.sql is used by default when it exists', () => {
    const d = mkdtempSync(join(tmpdir(), 'rulemq-cfg-'));
    writeFileSync(join(d, 'rules.sql'), '');
    assert.equal(loadConfig({ env: {}, cwd: d }).rules, join(d, 'rules.sql'));
  });

  test("a port can be 0 (OS-chosen) or 'off', and two listeners cannot share a port", () => {
    const c = loadConfig({ flags: { mqttPort: '0', wsPort: 'off' }, env: {}, cwd: dir });
    assert.equal(c.mqttPort, 0);
    assert.equal(c.wsPort, null);
    assert.match(issuesOf(() => loadConfig({ flags: { mqttPort: '1900', wsPort: '1900' }, env: {}, cwd: dir }))[0], /both use port 1900/);
  });

  test('flag and env names derive from the keys', () => {
    assert.equal(flagName('tlsHandshakeTimeoutMs'), 'tls-handshake-timeout-ms');
    assert.equal(envName('tlsHandshakeTimeoutMs'), 'RULEMQ_TLS_HANDSHAKE_TIMEOUT_MS');
    assert.ok(SETTINGS.every((s) => s.doc.length > 10));
  });
});
