import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { parseConnectorSettings } from '../../../sinks/hstreamdb/config.js';
import { createHStreamConnector } from '../../../sinks/hstreamdb/connector.js';
import { describeCallError, serverError } from '../../../sinks/hstreamdb/errors.js';
import { HStreamTestServer, assertInvariant, openSink, selfSignedCert, sendAll } from '../../support/hstream-server.js';

const cert = selfSignedCert();
const noTls = cert ? false : 'openssl CLI not found: TLS tests need it to make a self-signed certificate';

async function closedPort(): Promise<number> {
  const s = new HStreamTestServer();
  const port = await s.start();
  await s.stop();
  return port;
}

test('testConnection reports success with the stream shard count', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream('s', 3);
  const c = createHStreamConnector(parseConnectorSettings({ url: `hstream://${server.address}`, grpc_timeout: '1s' }));
  try {
    assert.deepEqual(await c.testConnection('s'), { ok: true, message: `connected to ${server.address}; stream 's' has 3 active shard(s)`, shardCount: 3 });
    assert.deepEqual(await c.testConnection(), { ok: true, message: `connected to ${server.address}`, shardCount: 0 });
    const missing = await c.testConnection('nope');
    assert.equal(missing.ok, false);
    assert.match(missing.message, /^stream 'nope' does not exist on 127\.0\.0\.1:\d+; create it first/);
  } finally {
    await c.close();
    await server.stop();
  }
});

test('testConnection says "connection refused" when nothing listens', async () => {
  const port = await closedPort();
  const c = createHStreamConnector(parseConnectorSettings({ url: `hstream://127.0.0.1:${port}`, grpc_timeout: '1s' }));
  try {
    const r = await c.testConnection('s');
    assert.equal(r.ok, false);
    assert.equal(r.message, `connection refused by 127.0.0.1:${port}: is HStreamDB running and listening on that port?`);
  } finally {
    await c.close();
  }
});

test('connector status goes connecting → connected → disconnected with the server', async () => {
  const server = new HStreamTestServer();
  await server.start();
  const c = createHStreamConnector(parseConnectorSettings({ url: `hstream://${server.address}`, grpc_timeout: '500ms' }), undefined, {
    healthCheckIntervalMs: 60_000,
    reconnectBackoffMs: { initial: 20, max: 40 },
  });
  try {
    assert.equal(c.status(), 'connecting');
    assert.equal(await c.check(), 'connected');
    await server.stop();
    assert.equal(await c.check(), 'disconnected');
    assert.match(c.reason(), /refused|unavailable/);
    await server.start();
    // grpc-js reconnects after its backoff (20–40 ms here); checks before that still fail fast
    let s = await c.check();
    for (let i = 0; i < 20 && s !== 'connected'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      s = await c.check();
    }
    assert.equal(s, 'connected');
  } finally {
    await c.close();
    await server.stop();
  }
});

test('the seed host list falls through to the next host when the first is down', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream('s', 1);
  const dead = await closedPort();
  const sink = openSink(server, { stream: 's' }, { url: `hstream://127.0.0.1:${dead},${server.address}` });
  try {
    await sink.action.start();
    assert.deepEqual(await sendAll(sink.action, [{ payload: 'x' }]), [null]);
    assert.equal(server.records('s').length, 1);
  } finally {
    await sink.close();
    await server.stop();
  }
});

test('basic auth: the right credentials write; wrong ones fail rows without retries and say so', async () => {
  const server = new HStreamTestServer({ auth: { username: 'user', password: 'p:ss' } });
  await server.start();
  server.createStream('s', 1);
  const good = openSink(server, { stream: 's' }, { connector: { username: 'user', password: 'p:ss' } });
  const bad = openSink(server, { stream: 's' }, { connector: { username: 'user', password: 'nope' } });
  try {
    await good.action.start();
    assert.deepEqual(await sendAll(good.action, [{ payload: 'x' }]), [null]);
    const r = await bad.connector.testConnection('s');
    assert.equal(r.ok, false);
    assert.match(r.message, /^authentication failed at 127\.0\.0\.1:\d+: check username and password/);
    await bad.action.start();
    await server.waitUntil(() => bad.action.status() === 'disconnected', 2000);
    const appends = server.calls.Append;
    const results = await sendAll(
      bad.action,
      Array.from({ length: 50 }, () => ({ payload: 'y' })),
    );
    assert.ok(results.every((e) => (e as { code?: string }).code === 'SINK_UNRECOVERABLE'));
    assert.equal(server.calls.Append, appends, 'no Append with refused credentials');
    assert.match(bad.action.health().reason, /authentication failed/);
    const s = bad.action.stats();
    assert.deepEqual([s.failed, s.retried], [50, 0]);
    assertInvariant(s);
  } finally {
    await good.close();
    await bad.close();
    await server.stop();
  }
});

test('TLS: writes over hstreams:// with the server CA; without the CA the test names a TLS failure', { skip: noTls }, async () => {
  const server = new HStreamTestServer({ tls: { cert: cert!.cert, key: cert!.key } });
  await server.start();
  server.createStream('s', 2);
  const sink = openSink(
    server,
    { stream: 's', partition_key: '${k}', record_template: '{"k": ${k}}' },
    {
      url: `hstreams://${server.address}`,
      connector: { ssl_ca: cert!.certFile },
    },
  );
  const untrusting = createHStreamConnector(parseConnectorSettings({ url: `hstreams://${server.address}`, grpc_timeout: '1s' }));
  const plain = createHStreamConnector(parseConnectorSettings({ url: `hstream://${server.address}`, grpc_timeout: '1s' }));
  try {
    await sink.action.start();
    const rows = Array.from({ length: 20 }, (_, i) => ({ k: `k${i}` }));
    assert.ok((await sendAll(sink.action, rows)).every((e) => e === null));
    assert.equal(server.records('s').length, 20);
    assert.equal(server.keyShardViolations, 0);
    assertInvariant(sink.action.stats());
    assert.equal((await sink.action.testConnection()).shardCount, 2);
    const r = await untrusting.testConnection('s');
    assert.equal(r.ok, false);
    assert.match(r.message, /^TLS handshake with 127\.0\.0\.1:\d+ failed/);
    const p = await plain.testConnection('s');
    assert.equal(p.ok, false, 'plain gRPC against a TLS port fails');
  } finally {
    await sink.close();
    await untrusting.close();
    await plain.close();
    await server.stop();
  }
});

test('TLS with ssl = true on an http:// url, and ssl_verify = false without a CA', { skip: noTls }, async () => {
  const server = new HStreamTestServer({ tls: { cert: cert!.cert, key: cert!.key } });
  await server.start();
  server.createStream('s', 1);
  const a = createHStreamConnector(parseConnectorSettings({ url: `http://${server.address}`, ssl: true, ssl_ca: cert!.certFile, grpc_timeout: '1s' }));
  const b = createHStreamConnector(parseConnectorSettings({ url: `hstreams://${server.address}`, ssl_verify: false, grpc_timeout: '1s' }));
  const c = createHStreamConnector(
    parseConnectorSettings({ url: `hstreams://localhost:${server.port}`, ssl_ca: cert!.certFile, ssl_server_name: 'localhost', grpc_timeout: '1s' }),
  );
  try {
    assert.equal((await a.testConnection('s')).ok, true);
    assert.equal((await b.testConnection('s')).ok, true);
    assert.equal((await c.testConnection('s')).ok, true);
  } finally {
    await a.close();
    await b.close();
    await c.close();
    await server.stop();
  }
});

test('call errors become messages that name the cause', () => {
  const t = 'h:6570';
  assert.equal(
    describeCallError({ code: status.UNAVAILABLE, details: 'Name resolution failed for target dns:nohost.invalid:6570' }, t),
    'cannot resolve host of h:6570: check the url (Name resolution failed for target dns:nohost.invalid:6570)',
  );
  assert.match(
    describeCallError({ code: status.UNAVAILABLE, details: 'No connection established. Last error: connect ECONNREFUSED 1.2.3.4:6570' }, t),
    /^connection refused by h:6570/,
  );
  assert.match(
    describeCallError({ code: status.UNAVAILABLE, details: 'No connection established. Last error: self-signed certificate' }, t),
    /^TLS handshake with h:6570 failed/,
  );
  assert.match(
    describeCallError({ code: status.UNAUTHENTICATED, details: '{"error":1,"message":"bad creds"}' }, t),
    /^authentication failed at h:6570: check username and password \(bad creds\)/,
  );
  assert.match(
    describeCallError({ code: status.NOT_FOUND, details: '{"error":200,"message":"Stream x not found"}' }, t, 'x'),
    /^stream 'x' does not exist on h:6570; create it first \(Stream x not found\)/,
  );
  assert.match(describeCallError({ code: status.DEADLINE_EXCEEDED, details: '' }, t), /^no answer from h:6570 within the deadline/);
  assert.equal(
    describeCallError({ code: status.INVALID_ARGUMENT, details: '{"error":207,"message":"record too big"}' }, t),
    'INVALID_ARGUMENT from h:6570: record too big',
  );
  assert.deepEqual(serverError('{"error":200,"message":"m","extra":null}'), { code: 200, message: 'm' });
  assert.deepEqual(serverError('plain'), { message: 'plain' });
});
