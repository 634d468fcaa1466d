/**
 * SIGTERM in the default memory mode: rows HStreamDB has not taken by the end of the grace period
 * are lost with the process. They must be counted (dropped, reason shutdown) and logged at warn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HStreamTestServer } from '../support/hstream-server.js';
import { SeqDevice } from './device.js';
import { getJson, startChildBroker } from './child-broker.js';
import { eventually } from '../support/rules-broker.js';
import { STREAM, deliveryRules } from './support.js';

test('SIGTERM with rows queued for an unavailable HStreamDB (memory mode): the rows are counted as dropped (shutdown) and logged at warn with their count', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 1);
  server.faults.unavailable = true;
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-shutdown-'));
  const file = join(dir, 'rules.sql');
  writeFileSync(file, deliveryRules({ port: server.port }));
  const broker = await startChildBroker(file, 20_000, ['--shutdown-grace-ms', '300']);
  const dev = new SeqDevice({ port: () => broker.mqttPort, clientId: 'd1', topic: 'dev/d1/seq', window: 20 });
  try {
    await dev.start(200);
    await dev.allAcked(15_000); // broker mode: every PUBACK is sent; the 200 rows wait for HStreamDB
    // A PUBACK goes out before the message reaches the rules: wait until all 200 were matched.
    await eventually(
      async () => (await getJson<{ data: Array<{ metrics: { matched: number } }> }>(broker.httpPort, '/api/v5/actions')).data[0]?.metrics.matched === 200,
      10_000,
      'all 200 rows reached the action',
    );
    dev.stop();
    await broker.stop();
    assert.equal(broker.proc.exitCode, 0);
    const lines = broker.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const warn = lines.filter((l) => /dropped \(reason shutdown\)/.test(String(l.msg)));
    assert.equal(warn.length, 1, broker.logs.join('\n'));
    assert.equal(warn[0].level, 40, 'logged at warn');
    assert.equal(warn[0].dropped, 200);
    assert.equal(warn[0].action, 'to_hs');
    assert.equal(server.records(STREAM).length, 0);
  } finally {
    dev.stop();
    await broker.kill9();
    await server.stop();
  }
});
