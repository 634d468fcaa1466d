import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { status } from '@grpc/grpc-js';
import { parseConnectorSettings } from '../../../sinks/hstreamdb/config.js';
import { H2Appends } from '../../../sinks/hstreamdb/h2-appends.js';
import { RecordEncoder, appendRequestPrefix, encodeAppendRequest, encodeBatch } from '../../../sinks/hstreamdb/record.js';
import { classifyAppendError } from '../../../sinks/retry.js';
import { HStreamTestServer, selfSignedCert, withTestServer } from '../../support/hstream-server.js';

type Err = { code: number; details: string } | null;

const encoder = new RecordEncoder({ partitionKey: '${dev}', recordTemplate: '{"dev": ${dev}, "n": ${n}}', recordFormat: 'auto' });

/** An AppendRequest of `n` records for the first shard of `stream`. */
function request(server: HStreamTestServer, stream: string, n: number, from = 0): Buffer {
  const shardId = server.shards(stream)[0].shardId;
  const records = Array.from({ length: n }, (_, i) => encoder.encode({ dev: 'd1', n: from + i }));
  return encodeAppendRequest(appendRequestPrefix(stream, shardId), 'none', n, encodeBatch(records), Date.now());
}

function call(c: H2Appends, target: string, req: Buffer, timeoutMs = 2000): Promise<Err> {
  return new Promise((resolve) => c.append(target, req, timeoutMs, (err) => resolve(err && { code: err.code, details: err.details })));
}

const connector = (server: { address: string }, more: Record<string, unknown> = {}) =>
  parseConnectorSettings({ url: `hstream://${server.address}`, grpc_timeout: '2s', ...more });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('an Append over HTTP/2 stores its records in order; the status comes from the trailers', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const c = new H2Appends(connector(server));
    try {
      assert.equal(await call(c, server.address, request(server, 's', 3)), null);
      assert.equal(await call(c, server.address, request(server, 's', 2, 3)), null);
      assert.deepEqual(
        server.records('s').map((r) => (r.value as { n: number }).n),
        [0, 1, 2, 3, 4],
      );
      assert.equal(server.invalidRecords, 0);
      assert.equal(server.batchSizeMismatches, 0);
    } finally {
      c.close();
    }
  }));

test("a failed Append reports the server's gRPC status and its details, which the retry rules classify", () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const c = new H2Appends(connector(server));
    try {
      // An HStreamDB error: JSON details, sent percent-encoded in grpc-message.
      const missing = await call(c, server.address, request(server, 's', 1).subarray(0, 0));
      assert.equal(missing?.code, status.NOT_FOUND);
      assert.deepEqual(JSON.parse(missing!.details), { error: 200, message: 'Stream  not found', extra: null });
      server.faults.failAppends = 1;
      server.faults.failAppendsCode = status.RESOURCE_EXHAUSTED;
      const r = await call(c, server.address, request(server, 's', 1));
      assert.deepEqual(r, { code: status.RESOURCE_EXHAUSTED, details: 'test server: injected Append failure' });
      assert.equal(classifyAppendError(r!.code, r!.details).action, 'retry');
      assert.equal(await call(c, server.address, request(server, 's', 1)), null, 'the session serves the next Append');
      assert.equal(server.records('s').length, 1);
    } finally {
      c.close();
    }
  }));

test('an Append not answered within its deadline fails with DEADLINE_EXCEEDED; the session keeps working', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const c = new H2Appends(connector(server));
    try {
      server.faults.commitNoReply = 1;
      const r = await call(c, server.address, request(server, 's', 1), 150);
      assert.equal(r?.code, status.DEADLINE_EXCEEDED);
      assert.equal(await call(c, server.address, request(server, 's', 1)), null);
      assert.equal(server.records('s').length, 2, 'the unanswered Append was stored (why a timeout may duplicate)');
    } finally {
      c.close();
    }
  }));

test('a refused connection fails Appends with UNAVAILABLE at once during the backoff; resetFailed tries again', async () => {
  const port = await closedPort();
  const c = new H2Appends(parseConnectorSettings({ url: `hstream://127.0.0.1:${port}` }), { reconnectBackoffMs: { initial: 60_000, max: 60_000 } });
  const server = new HStreamTestServer();
  try {
    const req = Buffer.from([0x0a, 1, 0x73]);
    const first = await call(c, `127.0.0.1:${port}`, req);
    assert.equal(first?.code, status.UNAVAILABLE);
    assert.match(first!.details, /ECONNREFUSED/);
    // Still in its backoff: fails without a connection attempt, with the last error.
    const second = await call(c, `127.0.0.1:${port}`, req);
    assert.equal(second?.code, status.UNAVAILABLE);
    assert.match(second!.details, /^No connection established\. Last error: .*ECONNREFUSED/);
    // The server comes up on that port; the backoff would last a minute, resetFailed ends it.
    (server as { port: number }).port = port;
    await server.start();
    server.createStream('s', 1);
    assert.equal((await call(c, `127.0.0.1:${port}`, request(server, 's', 1)))?.code, status.UNAVAILABLE, 'still in backoff');
    c.resetFailed();
    assert.equal(await call(c, `127.0.0.1:${port}`, request(server, 's', 1)), null);
    assert.equal(server.records('s').length, 1);
  } finally {
    c.close();
    await server.stop();
  }
});

test('a server that goes away mid-Append fails it with UNAVAILABLE; after its restart Appends go through a new session', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const c = new H2Appends(connector(server), { reconnectBackoffMs: { initial: 20, max: 40 } });
    try {
      assert.equal(await call(c, server.address, request(server, 's', 1)), null);
      server.faults.appendDelayMs = 500;
      const pending = call(c, server.address, request(server, 's', 1));
      await new Promise((r) => setTimeout(r, 100));
      await server.stop();
      assert.equal((await pending)?.code, status.UNAVAILABLE);
      await server.start();
      server.faults.appendDelayMs = 0;
      let r: Err = { code: -1, details: '' };
      for (let i = 0; i < 50 && r !== null; i++) {
        r = await call(c, server.address, request(server, 's', 1));
        if (r !== null) await new Promise((res) => setTimeout(res, 50));
      }
      assert.equal(r, null);
    } finally {
      c.close();
    }
  }));

test('a cancelled Append never calls back', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const c = new H2Appends(connector(server));
    try {
      server.faults.appendDelayMs = 100;
      let called = 0;
      c.append(server.address, request(server, 's', 1), 2000, () => called++).cancel();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(called, 0);
      server.faults.appendDelayMs = 0;
      assert.equal(await call(c, server.address, request(server, 's', 1)), null);
      assert.equal(called, 0);
    } finally {
      c.close();
    }
  }));

const cert = selfSignedCert();

test('TLS: Appends go over https with the CA; with basic auth the server checks the credentials', {
  skip: cert ? false : 'openssl CLI not found',
}, async () => {
  const server = new HStreamTestServer({ tls: { cert: cert!.cert, key: cert!.key }, auth: { username: 'u', password: 'p:w' } });
  await server.start();
  server.createStream('s', 1);
  const url = `hstreams://${server.address}`;
  const good = new H2Appends(parseConnectorSettings({ url, ssl_ca: cert!.certFile, username: 'u', password: 'p:w' }));
  const bad = new H2Appends(parseConnectorSettings({ url, ssl_ca: cert!.certFile, username: 'u', password: 'nope' }));
  const noCa = new H2Appends(parseConnectorSettings({ url, username: 'u', password: 'p:w' }));
  try {
    assert.equal(await call(good, server.address, request(server, 's', 2)), null);
    assert.equal((await call(bad, server.address, request(server, 's', 1)))?.code, status.UNAUTHENTICATED);
    const untrusted = await call(noCa, server.address, request(server, 's', 1));
    assert.equal(untrusted?.code, status.UNAVAILABLE);
    assert.match(untrusted!.details, /self[- ]signed|certificate/i);
    assert.equal(server.records('s').length, 2);
  } finally {
    for (const c of [good, bad, noCa]) c.close();
    await server.stop();
  }
});

/** A bare HTTP/2 server that treats each stream as `answer` says (the n-th stream, from 1). */
async function rawServer(answer: (s: http2.ServerHttp2Stream, n: number) => void): Promise<{ address: string; streams: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http2.createServer();
  server.on('stream', (s) => {
    s.on('data', () => undefined);
    s.on('error', () => undefined); // a stream closed with an error code reports it on this side too
    s.on('end', () => answer(s, ++n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    streams: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const OK_TRAILERS_ONLY = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' };

test('a stream the server refused (it never processed it) is sent once more; one the server reset after reading it is not', async () => {
  const refusing = await rawServer((s, n) => (n === 1 ? s.close(http2.constants.NGHTTP2_REFUSED_STREAM) : s.respond(OK_TRAILERS_ONLY, { endStream: true })));
  const resetting = await rawServer((s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  const c = new H2Appends(parseConnectorSettings({ url: `hstream://${refusing.address}` }));
  try {
    assert.equal(await call(c, refusing.address, Buffer.from([1, 2, 3])), null);
    assert.equal(refusing.streams(), 2, 'refused, then sent again');
    const r = await call(c, resetting.address, Buffer.from([1, 2, 3]));
    assert.equal(r?.code, status.UNAVAILABLE);
    assert.equal(resetting.streams(), 1, 'a request the server read may have been stored: not sent again here (the sink retries it, counted)');
  } finally {
    c.close();
    await refusing.close();
    await resetting.close();
  }
});
