import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { parseConnectorSettings } from '../../sinks/hstreamdb/config.js';
import { createHStreamConnector } from '../../sinks/hstreamdb/connector.js';
import { COMPOSE_DIR, loadCompose } from './compose-support.js';

const SCRIPT = join(COMPOSE_DIR, 'gen-certs.sh');

function gen(out: string, env: Record<string, string> = {}) {
  return spawnSync('bash', [SCRIPT, out], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

function certText(file: string): string {
  return execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
}

function sans(file: string): string[] {
  const text = certText(file);
  const m = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]+)/.exec(text);
  assert.ok(m, 'certificate has subject alternative names');
  return m[1].split(',').map((s) => s.trim());
}

/** The advertised addresses of the TLS compose nodes, with the file's defaults. */
function composeNodeAddresses(): string[] {
  const { doc } = loadCompose('hstreamdb-tls.yaml');
  return ['hserver0', 'hserver1'].map((n) => {
    const nets = doc.services[n].networks as Record<string, { ipv4_address: string }>;
    return Object.values(nets)[0].ipv4_address;
  });
}

describe('compose/gen-certs.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-gen-certs-'));
  const out = join(dir, 'certs');
  let first: ReturnType<typeof gen>;
  before(() => {
    first = gen(out);
  });

  test('writes a CA and a node certificate and key, and reports the names it covers', () => {
    assert.equal(first.status, 0, first.stderr);
    for (const f of ['ca.crt', 'ca.key', 'hstream.crt', 'hstream.key']) assert.ok(statSync(join(out, f)).size > 0, f);
    assert.match(first.stdout, /DNS:hserver0, DNS:hserver1/);
  });

  test("the node certificate's SANs name both nodes and the addresses the TLS compose file advertises", () => {
    const names = sans(join(out, 'hstream.crt'));
    for (const want of ['DNS:hserver0', 'DNS:hserver1', 'DNS:localhost', 'IP Address:127.0.0.1'])
      assert.ok(names.includes(want), `${want} in ${names.join(', ')}`);
    for (const ip of composeNodeAddresses()) assert.ok(names.includes(`IP Address:${ip}`), `IP Address:${ip} in ${names.join(', ')}`);
  });

  test('the node certificate is a server certificate signed by the CA; the CA is a CA', () => {
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(out, 'ca.crt'), join(out, 'hstream.crt')], { encoding: 'utf8' });
    assert.match(verified, /hstream\.crt: OK/);
    const node = certText(join(out, 'hstream.crt'));
    assert.match(node, /TLS Web Server Authentication/);
    assert.match(node, /CA:FALSE/);
    assert.match(certText(join(out, 'ca.crt')), /CA:TRUE/);
  });

  test('private keys are readable by their owner only, certificates by everyone', () => {
    assert.equal(statSync(join(out, 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(out, 'hstream.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(out, 'ca.crt')).mode & 0o777, 0o644);
    assert.equal(statSync(join(out, 'hstream.crt')).mode & 0o777, 0o644);
  });

  test('a second run keeps the existing certificates unless FORCE=1', () => {
    const before = readFileSync(join(out, 'hstream.crt'), 'utf8');
    const again = gen(out);
    assert.equal(again.status, 0);
    assert.match(again.stderr, /exists; set FORCE=1/);
    assert.equal(readFileSync(join(out, 'hstream.crt'), 'utf8'), before);
    const forced = gen(out, { FORCE: '1' });
    assert.equal(forced.status, 0, forced.stderr);
    assert.notEqual(readFileSync(join(out, 'hstream.crt'), 'utf8'), before);
  });

  test('HSTREAM_SUBNET_PREFIX moves the node addresses; a malformed prefix is refused', () => {
    const other = join(dir, 'other');
    const r = gen(other, { HSTREAM_SUBNET_PREFIX: '10.9.8' });
    assert.equal(r.status, 0, r.stderr);
    const names = sans(join(other, 'hstream.crt'));
    assert.ok(names.includes('IP Address:10.9.8.10') && names.includes('IP Address:10.9.8.11'), names.join(', '));
    const bad = gen(join(dir, 'bad'), { HSTREAM_SUBNET_PREFIX: '10.9' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /HSTREAM_SUBNET_PREFIX must be the first three octets/);
  });
});

describe('compose/rules-tls.sql over the generated certificates (in-process HStreamDB over TLS)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rulemq-tls-seed-')), 'certs');
  let server: HStreamTestServer;
  let rb: RulesBroker;
  before(async () => {
    const r = gen(out);
    assert.equal(r.status, 0, r.stderr);
    server = new HStreamTestServer({ tls: { cert: readFileSync(join(out, 'hstream.crt')), key: readFileSync(join(out, 'hstream.key')) } });
    const port = await server.start();
    server.createStream('temp_hum', 1);
    // The compose file's rules, pointed at the test server and the generated CA.
    const text = readFileSync(join(COMPOSE_DIR, 'rules-tls.sql'), 'utf8')
      .replace("'hstreams://hserver0:6570,hserver1:6572'", `'hstreams://127.0.0.1:${port}'`)
      .replaceAll("'/etc/rulemq/certs/ca.crt'", `'${join(out, 'ca.crt')}'`);
    assert.ok(text.includes(`hstreams://127.0.0.1:${port}`) && text.includes(join(out, 'ca.crt')), 'url and CA rewritten');
    rb = await startRulesBroker(text);
  });
  after(async () => {
    await rb?.close();
    await server?.stop();
  });

  test('a publish becomes one JSON record, written over a verified TLS connection', async () => {
    const dev = await connectClient(rb.mqttUrl, { clientId: 'emqx_c' });
    try {
      await dev.publishAsync('temp_hum/emqx', '{"temp": "27.5", "hum": "41.8"}', { qos: 1 });
      const [record] = await server.waitForRecords('temp_hum', 1, 15_000);
      assert.equal(record.flag, 'JSON');
      assert.equal(record.key, 'emqx_c');
      const v = record.value as Record<string, unknown>;
      assert.deepEqual({ ...v, up_timestamp: typeof v.up_timestamp }, { client_id: 'emqx_c', temp: '27.5', hum: '41.8', up_timestamp: 'number' });
    } finally {
      await endAll(dev);
    }
  });

  for (const [name, ok] of [
    ['hserver0', true],
    ['hserver1', true],
    ['hserver2', false],
  ] as const) {
    test(`verifying the server as ${name} ${ok ? 'succeeds' : 'fails'}`, async () => {
      const connector = createHStreamConnector(
        parseConnectorSettings({ url: `hstreams://127.0.0.1:${server.port}`, ssl_ca: join(out, 'ca.crt'), ssl_server_name: name, grpc_timeout: '5s' }),
        undefined,
        { reconnectBackoffMs: { initial: 20, max: 100 }, healthCheckIntervalMs: 60_000 },
      );
      try {
        const res = await connector.test('temp_hum');
        assert.equal(res.ok, ok, res.message);
      } finally {
        await connector.close();
      }
    });
  }
});
