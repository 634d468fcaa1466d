import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../../support/broker.js';
import { connectClient, endAll, nextMessages } from '../../support/mqtt.js';
import type { RunningBroker } from '../../../broker/index.js';
import { RulesPlugin, readPlan } from '../../../rules/plugin.js';
import { createSinkRegistry } from '../../../sinks/index.js';

describe('messages the broker publishes itself reach shared subscription groups', () => {
  let broker: RunningBroker;
  let url: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-shared-rules-'));
    const file = join(dir, 'rules.sql');
    writeFileSync(file, "CREATE RULE echo AS SELECT payload FROM \"in/#\" INTO republish(topic = 'out/echo', qos = 1, payload = '${payload}');\n");
    const sinks = createSinkRegistry();
    const rules = new RulesPlugin({ file, sinks, env: {}, watch: false }, readPlan(file, sinks, {}).plan);
    broker = await startTestBroker({}, [rules]);
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  });
  after(async () => broker.close(1000));

  test('a rule republish goes to one member of the group', async () => {
    const a = await connectClient(url, { clientId: 'rp-a' });
    const b = await connectClient(url, { clientId: 'rp-b' });
    const pub = await connectClient(url, { clientId: 'rp-pub' });
    try {
      const got: string[] = [];
      for (const c of [a, b]) c.on('message', (t, p) => got.push(`${t}=${p}`));
      await a.subscribeAsync('$share/rp/out/#', { qos: 1 });
      await b.subscribeAsync('$share/rp/out/#', { qos: 1 });
      const both = [nextMessages(a, 1), nextMessages(b, 1)];
      await pub.publishAsync('in/1', 'first', { qos: 1 });
      await pub.publishAsync('in/2', 'second', { qos: 1 });
      await Promise.all(both); // round robin: one each
      assert.deepEqual(got.sort(), ['out/echo=first', 'out/echo=second']);
    } finally {
      await endAll(a, b, pub);
    }
  });

  test('a will goes to one member of the group', async () => {
    const member = await connectClient(url, { clientId: 'will-member' });
    try {
      await member.subscribeAsync('$share/w/wills/#', { qos: 1 });
      const got = nextMessages(member, 1);
      const dying = await connectClient(url, { clientId: 'will-dying', will: { topic: 'wills/dying', payload: Buffer.from('gone'), qos: 1, retain: false } });
      dying.stream.destroy(); // no DISCONNECT: the will is published
      assert.deepEqual(
        (await got).map((m) => [m.topic, m.payload]),
        [['wills/dying', 'gone']],
      );
    } finally {
      await endAll(member);
    }
  });
});
