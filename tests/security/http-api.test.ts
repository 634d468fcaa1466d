import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import type { BrokerPlugin, RunningBroker } from '../../broker/index.js';

/** Adds one /api route, standing in for the rules API. */
const apiPlugin: BrokerPlugin = {
  name: 'test-api',
  attach(ctx) {
    ctx.router.add('GET', '/api/v5/ping', () => ({ status: 200, body: { pong: true } }));
  },
};

describe('HTTP API token (httpApiToken)', () => {
  let broker: RunningBroker;
  let base: string;
  before(async () => {
    broker = await startTestBroker({ httpApiToken: 's3cr3t-token' }, [apiPlugin]);
    base = `http://127.0.0.1:${broker.ports.http}`;
  });
  after(async () => broker.close(1000));

  const get = async (path: string, authorization?: string) => {
    const res = await fetch(`${base}${path}`, { headers: authorization ? { authorization } : {} });
    return { status: res.status, auth: res.headers.get('www-authenticate'), body: await res.text() };
  };

  test('refuses /api/* without a token with 401 and a WWW-Authenticate header', async () => {
    const r = await get('/api/v5/ping');
    assert.equal(r.status, 401);
    assert.match(r.auth ?? '', /Bearer realm="rulemq"/);
    assert.equal(JSON.parse(r.body).code, 'UNAUTHORIZED');
  });

  test('refuses a wrong bearer token and a wrong basic password', async () => {
    assert.equal((await get('/api/v5/ping', 'Bearer s3cr3t-tokeN')).status, 401);
    assert.equal((await get('/api/v5/ping', `Basic ${Buffer.from('admin:nope').toString('base64')}`)).status, 401);
    assert.equal((await get('/api/v5/ping', 'Token s3cr3t-token')).status, 401);
  });

  test('accepts the token as a bearer token or as the basic-auth password', async () => {
    assert.equal((await get('/api/v5/ping', 'Bearer s3cr3t-token')).status, 200);
    assert.equal((await get('/api/v5/ping', `Basic ${Buffer.from('admin:s3cr3t-token').toString('base64')}`)).status, 200);
  });

  test('cannot be bypassed with empty path segments or dot segments', async () => {
    // '//api/...' parses as a host ('api'), so it reaches no route at all.
    for (const path of ['//api/v5/ping', '/api//v5/ping', '/x/../api/v5/ping', '/./api/v5/ping']) {
      const r = await get(path);
      assert.notEqual(r.status, 200, path);
      assert.ok(r.status === 401 || r.status === 404, `${path}: ${r.status}`);
    }
    assert.equal((await get('/api//v5/ping')).status, 401);
  });

  test('leaves /metrics, /healthz and /readyz open', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) assert.equal((await get(path)).status, 200, path);
  });
});

describe('HTTP API without a token', () => {
  test('serves /api/* openly (it binds 127.0.0.1 by default)', async () => {
    const broker = await startTestBroker({}, [apiPlugin]);
    try {
      const res = await fetch(`http://127.0.0.1:${broker.ports.http}/api/v5/ping`);
      assert.equal(res.status, 200);
    } finally {
      await broker.close(1000);
    }
  });
});
