import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { seedRules } from '../support/seed-rules.js';
import { launchBrowser, openPage, screenshot } from '../support/browser.js';

describe('dashboard in Chromium against a broker running the seed rule', () => {
  let server: HStreamTestServer;
  let rb: RulesBroker;
  let browser: Browser;
  let page: Awaited<ReturnType<typeof openPage>>;
  let rulesText: string;

  before(async () => {
    server = new HStreamTestServer();
    const port = await server.start();
    server.createStream('temp_hum', 2);
    rulesText = seedRules(port);
    rb = await startRulesBroker(rulesText);
    browser = await launchBrowser();
    page = await openPage(browser, `http://127.0.0.1:${rb.httpPort}/`);
  });
  after(async () => {
    await browser?.close();
    await rb?.close();
    await server?.stop();
  });

  test('the overview counts published messages: connections, rule matched/passed, action success', async () => {
    await page.locator('#ov-rules tr[data-rule="temp_hum"]').waitFor();
    const dev = await connectClient(rb.mqttUrl, { clientId: 'overview-dev' });
    try {
      await page.locator('#ov-connections', { hasText: /^1$/ }).waitFor();
      for (let i = 0; i < 3; i++) await dev.publishAsync('temp_hum/emqx', JSON.stringify({ temp: 20 + i, hum: 40 }), { qos: 1 });
      await server.waitForRecords('temp_hum', 3);
      const row = page.locator('#ov-rules tr[data-rule="temp_hum"]');
      await row.locator('td[data-col="matched"]', { hasText: /^3$/ }).waitFor();
      await row.locator('td[data-col="passed"]', { hasText: /^3$/ }).waitFor();
      await page.locator('#ov-actions tr[data-action="to_hstream"] td[data-col="success"]', { hasText: /^3$/ }).waitFor();
      assert.match(await page.locator('#ov-actions tr[data-action="to_hstream"]').innerText(), /connected/);
      assert.equal(await page.locator('#ov-received').innerText(), '3');
      await screenshot(page, 'dashboard-overview');
    } finally {
      await endAll(dev);
    }
    assert.deepEqual(page.errors, []);
  });

  test('the rules page shows the seed rule with its SQL, FROM topic, action and counters', async () => {
    await page.goto(`http://127.0.0.1:${rb.httpPort}/#rules`);
    const card = page.locator('#rule-temp_hum');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /temp_hum\/emqx/);
    assert.match(text, /to_hstream/);
    assert.match(text, /payload\.temp as temp/);
    await card.locator('dd[data-metric="matched"]', { hasText: /^3$/ }).waitFor();
    assert.match(await page.locator('#last-reload').innerText(), /OK, 1 rule\(s\) running/);
  });

  test('a broken rules.sql is refused on reload and its error shows file:line:col with a caret; the old rule keeps running', async () => {
    // Line 20 of the file: the rule's FROM clause loses its topic.
    rb.write(rulesText.replace('FROM "temp_hum/emqx"', 'FROM WHERE'));
    await page.click('#reload');
    await page.locator('#reload-result', { hasText: 'Reload failed' }).waitFor();
    const errors = page.locator('#last-reload .diag pre');
    await errors.first().waitFor();
    const diag = await errors.first().innerText();
    const line = rulesText.split('\n').findIndex((l) => l.includes('FROM "temp_hum/emqx"')) + 1;
    assert.match(diag, new RegExp(`rules\\.sql:${line}:\\d+: SQL_`), diag);
    assert.match(diag, /FROM WHERE\n\s*\^+/, 'the source line and a caret under the bad token');
    assert.match(await page.locator('#last-reload').innerText(), /line \d+, column \d+/);
    assert.ok(rb.plugin.current.rule('temp_hum'), 'the old rule still runs');
    await screenshot(page, 'dashboard-rules-error');
  });

  test('a rules.sql that cannot be read shows the read error, not a blank page', async () => {
    rmSync(rb.file);
    await page.click('#reload');
    await page.locator('#last-reload', { hasText: 'RULES_FILE_UNREADABLE' }).waitFor();
    assert.match(await page.locator('#last-reload').innerText(), /ENOENT/);
    rb.write(rulesText);
    await page.click('#reload');
    await page.locator('#reload-result', { hasText: 'Reloaded' }).waitFor();
    await page.locator('#last-reload', { hasText: 'OK, 1 rule(s) running' }).waitFor();
    assert.deepEqual(page.errors, []);
  });

  test('the rule tester runs SQL through rule_test, with MQTT 5 properties in the context', async () => {
    await page.goto(`http://127.0.0.1:${rb.httpPort}/#tester`);
    await page.locator('#t-event option[value="client_connected"]').waitFor({ state: 'attached' });
    // Prefilled from the message_publish example.
    assert.match(await page.inputValue('#t-sql'), /FROM "t\/#"/);
    assert.match(await page.inputValue('#t-other'), /"pub_props"/);
    await page.fill('#t-sql', 'SELECT payload.temp as temp, clientid, pub_props.\'User-Property\'.site as site FROM "temp_hum/#"');
    await page.fill('#t-topic', 'temp_hum/emqx');
    await page.fill('#t-clientid', 'tester-dev');
    await page.fill('#t-payload', '{"temp": 27.5}');
    await page.fill('#t-other', JSON.stringify({ pub_props: { 'User-Property': { site: 'lab-3' } } }, null, 2));
    await page.click('#t-run');
    const out = JSON.parse(await page.locator('#t-result').innerText()) as Record<string, unknown>;
    assert.deepEqual(out, { temp: 27.5, clientid: 'tester-dev', site: 'lab-3' });
    await screenshot(page, 'dashboard-tester');

    // A topic outside FROM: NOT_MATCH with its reason.
    await page.fill('#t-topic', 'other/topic');
    await page.click('#t-run');
    await page.locator('#t-message', { hasText: 'NOT_MATCH' }).waitFor();
    assert.equal(await page.locator('#t-result').count(), 0);
  });

  test('each event type comes prefilled with an example that the tester accepts', async () => {
    await page.selectOption('#t-event', 'client_connected');
    assert.match(await page.inputValue('#t-sql'), /\$events\/client_connected/);
    assert.equal(await page.locator('label[data-field="topic"]').isHidden(), true);
    await page.click('#t-run');
    const out = JSON.parse(await page.locator('#t-result').innerText()) as Record<string, unknown>;
    assert.equal(out.event, 'client.connected');
    await page.selectOption('#t-event', 'session_subscribed');
    await page.click('#t-run');
    assert.equal((JSON.parse(await page.locator('#t-result').innerText()) as Record<string, unknown>).event, 'session.subscribed');
    await page.selectOption('#t-event', 'message_publish');
  });

  test('bad tester input gives a readable message: non-JSON payload, huge payload, broken context JSON', async () => {
    await page.fill('#t-sql', 'SELECT payload.temp as temp FROM "t/#"');
    await page.fill('#t-topic', 't/1');
    await page.fill('#t-other', '{}');
    await page.fill('#t-payload', 'temp=27.5');
    await page.click('#t-run');
    // EMQX's rule_test answers a payload that is not JSON with the SELECT clause's decode error.
    const notJson = await page.locator('#t-message.error').innerText();
    assert.match(notJson, /BAD_REQUEST: .*select_and_transform_error/);

    await page.locator('#t-payload').evaluate((el) => {
      (el as unknown as { value: string }).value = 'x'.repeat(2 * 1024 * 1024);
    });
    await page.click('#t-run');
    assert.match(await page.locator('#t-message.error').innerText(), /Too large: request body larger than \d+ bytes/);

    await page.fill('#t-payload', '{"temp": 1}');
    await page.fill('#t-other', '{"pub_props": ');
    await page.click('#t-run');
    assert.match(await page.locator('#t-message.error').innerText(), /Other columns is not valid JSON/);
    assert.deepEqual(page.errors, []);
  });

  test('the clients page lists, searches and disconnects a client', async () => {
    const a = await connectClient(rb.mqttUrl, { clientId: 'sensor-kitchen', username: 'kitchen' });
    const b = await connectClient(rb.mqttUrl, { clientId: 'sensor-garage' });
    try {
      await a.subscribeAsync('alerts/#', { qos: 1 });
      await page.goto(`http://127.0.0.1:${rb.httpPort}/#clients`);
      const row = page.locator('tr[data-client="sensor-kitchen"]');
      await row.locator('code.tag', { hasText: 'alerts/#' }).waitFor();
      const text = await row.innerText();
      assert.match(text, /kitchen/);
      assert.match(text, /127\.0\.0\.1:\d+/);
      assert.match(text, /MQTT 3\.1\.1/);
      await page.locator('tr[data-client="sensor-garage"]').waitFor();
      await screenshot(page, 'dashboard-clients');
      await page.fill('#c-search', 'kitch');
      await page.locator('tr[data-client="sensor-garage"]').waitFor({ state: 'detached' });
      assert.equal(await row.count(), 1);

      const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
      await row.locator('button', { hasText: 'Disconnect' }).click();
      await closed;
      await page.locator('#c-message', { hasText: 'Disconnected sensor-kitchen' }).waitFor();
      await row.waitFor({ state: 'detached' });
      assert.equal(b.connected, true, 'the other client stays connected');
    } finally {
      await endAll(a, b);
    }
  });

  test('the actions page shows the HStreamDB action: stream, shards, key, template, latency; the connection test passes', async () => {
    await page.goto(`http://127.0.0.1:${rb.httpPort}/#actions`);
    const card = page.locator('#action-to_hstream');
    await card.locator('dd', { hasText: /mean [\d.]+ ms/ }).waitFor();
    const text = await card.innerText();
    assert.match(text, /temp_hum/);
    assert.match(text, /Shards\n2/);
    assert.match(text, /\$\{client_id\}/);
    assert.match(text, /"up_timestamp": \$\{up_timestamp\}/);
    await card.locator('button[data-test="to_hstream"]').click();
    await card.locator('.notice.ok', { hasText: 'OK:' }).waitFor();
    await screenshot(page, 'dashboard-actions');
    assert.deepEqual(page.errors, []);
  });
});
