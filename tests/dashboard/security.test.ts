import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { launchBrowser, openPage, screenshot } from '../support/browser.js';

const RULES = `
CREATE RULE to_console AS
  SELECT payload FROM "t/#"
  INTO console;
`;

describe('dashboard access: the API token prompt and cross-site requests, in Chromium', () => {
  let browser: Browser;
  let locked: RulesBroker;
  let open: RulesBroker;
  let evil: http.Server;
  let evilPort: number;

  before(async () => {
    browser = await launchBrowser();
    locked = await startRulesBroker(RULES, { flags: { httpApiToken: 'tok-8d2f' } });
    open = await startRulesBroker(RULES);
    // Another site: a page on another origin that tries to make the browser change the broker's state.
    evil = http.createServer((_req, res) => {
      const target = `http://127.0.0.1:${open.httpPort}`;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body>
<form id="f" method="POST" action="${target}/api/v5/rules/reload" enctype="text/plain"><input name='{"x":"' value='"}'></form>
<script>
  fetch('${target}/api/v5/clients/victim', { method: 'DELETE', headers: { 'x-rulemq-request': 'dashboard' } }).catch(() => {});
  fetch('${target}/api/v5/rules/reload', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => {});
  setTimeout(() => document.getElementById('f').submit(), 50);
</script></body>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilPort = (evil.address() as AddressInfo).port;
  });
  after(async () => {
    await browser?.close();
    await locked?.close();
    await open?.close();
    evil?.close();
  });

  test('with httpApiToken set, the dashboard asks for the token; a wrong one is refused with a message; the right one opens it', async () => {
    const page = await openPage(browser, `http://127.0.0.1:${locked.httpPort}/`);
    await page.locator('#token-form').waitFor();
    assert.equal(await page.locator('#page').isHidden(), true, 'no data is shown before the token');
    assert.match(await page.locator('#live').innerText(), /locked|connecting/);

    await page.fill('#token-input', 'wrong-token');
    await page.click('#token-form button[type="submit"]');
    await page.locator('#token-error', { hasText: 'The broker refused this token' }).waitFor();
    await screenshot(page, 'dashboard-token');

    await page.fill('#token-input', 'tok-8d2f');
    await page.click('#token-form button[type="submit"]');
    await page.locator('#ov-rules tr[data-rule="to_console"]').waitFor();
    assert.equal(await page.locator('#token').isHidden(), true);
    // State-changing requests from the dashboard pass both the token check and the cross-site guard.
    await page.goto(`http://127.0.0.1:${locked.httpPort}/#rules`);
    await page.click('#reload');
    await page.locator('#reload-result', { hasText: 'Reloaded' }).waitFor();
    assert.equal(locked.plugin.lastReload?.reason, 'api');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a page on another site cannot make the browser reload rules or disconnect a client', async () => {
    const victim = await connectClient(open.mqttUrl, { clientId: 'victim' });
    try {
      const before = open.plugin.lastReload;
      const page = await browser.newPage();
      const refused: number[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(`http://127.0.0.1:${open.httpPort}/`)) refused.push(r.status());
      });
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      // The form POST is a top-level navigation: it lands on the broker's refusal.
      await page.waitForURL(`http://127.0.0.1:${open.httpPort}/api/v5/rules/reload`);
      assert.match(await page.locator('body').innerText(), /CROSS_SITE_REQUEST/);
      assert.ok(refused.includes(403), `the broker answered 403 (saw ${refused.join(', ')})`);
      assert.equal(open.plugin.lastReload, before, 'no reload happened');
      assert.equal(victim.connected, true, 'the client was not disconnected');
      await page.close();
    } finally {
      await endAll(victim);
    }
  });

  test('the dashboard page carries a Content-Security-Policy that blocks inline script', async () => {
    const page = await openPage(browser, `http://127.0.0.1:${open.httpPort}/`);
    const res = await page.goto(`http://127.0.0.1:${open.httpPort}/`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const ran = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { createElement(t: string): { textContent: string }; body: { append(n: unknown): void } };
        injected?: boolean;
      };
      const s = g.document.createElement('script');
      s.textContent = 'globalThis.injected = true';
      g.document.body.append(s);
      return g.injected === true;
    });
    assert.equal(ran, false, 'inline script is blocked');
    await page.close();
  });

  test('when the broker stops, the page says it cannot reach it instead of going blank', async () => {
    const gone = await startRulesBroker(RULES);
    const page = await openPage(browser, `http://127.0.0.1:${gone.httpPort}/`);
    await page.locator('#ov-rules tr[data-rule="to_console"]').waitFor();
    await gone.close();
    await page.locator('#banner', { hasText: 'Cannot reach the broker' }).waitFor();
    assert.equal(await page.locator('#live').innerText(), 'offline');
    assert.equal(await page.locator('#ov-rules tr[data-rule="to_console"]').count(), 1, 'the last data stays on screen');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
