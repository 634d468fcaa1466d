import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startRulesBroker, eventually } from '../../support/rules-broker.js';
import { connectClient, endAll, nextMessages } from '../../support/mqtt.js';
import { httpPost } from '../../support/broker.js';

const V1 = `CREATE RULE r1 AS SELECT payload FROM "in/#" INTO republish(topic = 'out/v1', payload = '\${payload}');`;
const V2 = `CREATE RULE r1 AS SELECT payload FROM "in/#" INTO republish(topic = 'out/v2', payload = '\${payload}');
CREATE RULE r2 AS SELECT 'x' as x FROM "in/#" INTO console;`;
const BROKEN = `CREATE RULE r1 AS SELECT payload FROM "in/#" WHERE INTO republish(topic = 'out/broken');`;

describe('hot reload of rules.sql', () => {
  test('a valid file swaps the rules in; an invalid one keeps the old rules running and logs errors with positions', async () => {
    const rb = await startRulesBroker(V1, { watch: true });
    const sub = await connectClient(rb.mqttUrl, { clientId: 'reload-sub' });
    const pub = await connectClient(rb.mqttUrl, { clientId: 'reload-pub' });
    try {
      await sub.subscribeAsync('out/#', { qos: 1 });
      let got = nextMessages(sub, 1);
      await pub.publishAsync('in/a', 'one', { qos: 1 });
      assert.equal((await got)[0].topic, 'out/v1');

      // File change: picked up by the watcher.
      rb.write(V2);
      await eventually(() => rb.plugin.current.rules.length === 2, 5000, 'reload after file change');
      got = nextMessages(sub, 1);
      await pub.publishAsync('in/a', 'two', { qos: 1 });
      assert.equal((await got)[0].topic, 'out/v2');
      assert.equal(rb.plugin.current.rule('r1')!.stats.matched, 2, 'counters survive a reload when the SQL is unchanged');

      // Broken file: old rules stay, errors are logged with line:column.
      rb.write(BROKEN);
      const res = await rb.plugin.reload('test');
      assert.equal(res.ok, false);
      assert.match(res.errors, /rules\.sql:1:\d+: SQL_/);
      assert.equal(rb.plugin.current.rules.length, 2);
      got = nextMessages(sub, 1);
      await pub.publishAsync('in/a', 'three', { qos: 1 });
      assert.equal((await got)[0].topic, 'out/v2');
      await eventually(() => rb.broker.logs.some((l) => l.includes('rules reload failed')), 2000, 'error log');

      // SIGHUP reloads too.
      rb.write(V1);
      process.emit('SIGHUP', 'SIGHUP');
      await eventually(() => rb.plugin.current.rules.length === 1, 5000, 'reload after SIGHUP');

      // And the HTTP API.
      rb.write(V2);
      const api = await httpPost(rb.httpPort, '/api/v5/rules/reload', {});
      assert.equal(api.status, 200);
      assert.equal(rb.plugin.current.rules.length, 2);
    } finally {
      await endAll(sub, pub);
      await rb.close();
    }
  });
});
