import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestBroker } from '../../support/broker.js';
import type { RunningBroker } from '../../../broker/index.js';

/** A raw request: lets a test set Origin, Host and Sec-Fetch-Site as a browser would. */
function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('HTTP: dashboard files, Content-Security-Policy, cross-site guard', () => {
  let broker: RunningBroker;
  let port: number;
  before(async () => {
    broker = await startTestBroker();
    port = broker.ports.http;
  });
  after(async () => broker.close(1000));

  test('/ serves the dashboard page with a CSP that allows only this origin and no framing', async () => {
    const res = await request(port, 'GET', '/');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<script type="module" src="\/dashboard\/app.js">/);
    const csp = String(res.headers['content-security-policy']);
    for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
      assert.ok(csp.includes(d), `${d} in ${csp}`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('scripts and styles are served with their types; no path leaves the dashboard folder', async () => {
    const js = await request(port, 'GET', '/dashboard/app.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal((await request(port, 'GET', '/dashboard/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    for (const bad of [
      '/dashboard/..%2Fpackage.json',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/..%5cpackage.json',
      '/dashboard/.hidden.js',
      '/dashboard/nope.js',
      '/dashboard/app.ts',
    ]) {
      const res = await request(port, 'GET', bad);
      assert.equal(res.status, 404, bad);
      assert.doesNotMatch(res.body, /"name": "rulemq"/);
    }
  });

  test('a state-changing request from another origin is refused with CROSS_SITE_REQUEST', async () => {
    const host = `127.0.0.1:${port}`;
    const cases: Record<string, string>[] = [
      { origin: 'http://evil.example', 'x-rulemq-request': 'dashboard' },
      { 'sec-fetch-site': 'cross-site', 'x-rulemq-request': 'dashboard' },
      { 'sec-fetch-site': 'same-site', 'x-rulemq-request': 'dashboard' },
      { origin: 'null', 'x-rulemq-request': 'dashboard' },
      // Same origin, but without the dashboard's header (a plain form post).
      { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of cases) {
      const res = await request(port, 'DELETE', '/api/v5/clients/x', headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(JSON.parse(res.body).code, 'CROSS_SITE_REQUEST');
    }
  });

  test('the dashboard (same origin, with its header), scripts without Origin, and reads all pass', async () => {
    const host = `127.0.0.1:${port}`;
    const own = await request(port, 'DELETE', '/api/v5/clients/x', {
      origin: `http://${host}`,
      'sec-fetch-site': 'same-origin',
      'x-rulemq-request': 'dashboard',
    });
    assert.equal(own.status, 404, own.body); // reached the route: no such client
    const curl = await request(port, 'DELETE', '/api/v5/clients/x');
    assert.equal(curl.status, 404);
    const read = await request(port, 'GET', '/api/v5/clients', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(read.status, 200); // the browser's same-origin policy keeps the answer from the other site
  });

  test('without a token, browsers reach /api only by address or localhost (DNS rebinding); the page itself is served', async () => {
    const browser = { 'sec-fetch-site': 'same-origin' };
    const rebound = await request(port, 'GET', '/api/v5/clients', { ...browser, host: `attacker.example:${port}` });
    assert.equal(rebound.status, 403);
    assert.equal(JSON.parse(rebound.body).code, 'HOST_NOT_ALLOWED');
    assert.match(JSON.parse(rebound.body).message, /set httpApiToken/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, '10.1.2.3']) {
      assert.equal((await request(port, 'GET', '/api/v5/clients', { ...browser, host })).status, 200, host);
    }
    // Scripts (no browser headers) may use any name; the dashboard files are public.
    assert.equal((await request(port, 'GET', '/api/v5/clients', { host: 'broker.internal' })).status, 200);
    assert.equal((await request(port, 'GET', '/', { ...browser, host: 'attacker.example' })).status, 200);
  });

  test('with httpApiToken set, the token decides whatever the host name', async () => {
    const locked = await startTestBroker({ httpApiToken: 'tok-31' });
    try {
      const p = locked.ports.http;
      const headers = { 'sec-fetch-site': 'same-origin', host: 'broker.internal' };
      assert.equal((await request(p, 'GET', '/api/v5/clients', headers)).status, 401);
      assert.equal((await request(p, 'GET', '/api/v5/clients', { ...headers, authorization: 'Bearer tok-31' })).status, 200);
    } finally {
      await locked.close(1000);
    }
  });
});
