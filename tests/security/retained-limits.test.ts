import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { eventually, startRulesBroker } from '../support/rules-broker.js';
import type { MqttClient } from 'mqtt';

/** The retained messages a new subscriber to `filter` receives, as topic=payload, sorted. */
async function retainedSeen(url: string, filter: string): Promise<string[]> {
  const c = await connectClient(url, { clientId: `seer-${Math.random().toString(16).slice(2)}` });
  const got: string[] = [];
  c.on('message', (topic, payload, packet) => {
    if (packet.retain) got.push(`${topic}=${payload.toString()}`);
  });
  await c.subscribeAsync(filter, { qos: 1 });
  await new Promise((r) => setTimeout(r, 300));
  await endAll(c);
  return got.sort();
}

test('past maxRetainedMessages a retained PUBLISH is delivered but not kept; replacing or deleting a topic always works', async () => {
  const broker = await startTestBroker({ maxRetainedMessages: 3, maxRetainedPayloadBytes: 100 });
  const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  let pub: MqttClient | undefined;
  let live: MqttClient | undefined;
  try {
    pub = await connectClient(url, { clientId: 'ret-pub' });
    live = await connectClient(url, { clientId: 'ret-live' });
    const liveGot: string[] = [];
    live.on('message', (topic) => liveGot.push(topic));
    await live.subscribeAsync('r/#', { qos: 1 });
    for (let i = 1; i <= 5; i++) await pub.publishAsync(`r/${i}`, `v${i}`, { qos: 1, retain: true });
    await pub.publishAsync('r/big', Buffer.alloc(101, 0x61), { qos: 1, retain: true });
    await eventually(() => liveGot.length === 6, 5000, 'every message reaches the subscriber online');
    assert.deepEqual(await retainedSeen(url, 'r/#'), ['r/1=v1', 'r/2=v2', 'r/3=v3']);
    // Replacing a kept topic is not a new one; deleting one frees its place.
    await pub.publishAsync('r/1', 'v1b', { qos: 1, retain: true });
    await pub.publishAsync('r/2', '', { qos: 1, retain: true });
    await pub.publishAsync('r/4', 'v4', { qos: 1, retain: true });
    assert.deepEqual(await retainedSeen(url, 'r/#'), ['r/1=v1b', 'r/3=v3', 'r/4=v4']);
    const metrics = (await httpGet(broker.ports.http, '/metrics')).text;
    assert.equal(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="retained_messages"'), 2);
    assert.equal(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="retained_payload"'), 1);
    assert.equal(metricValue(metrics, 'rulemq_retained_messages', ''), 3);
  } finally {
    await endAll(...[pub, live].filter((c): c is MqttClient => c !== undefined));
    await broker.close();
  }
});

test('maxRetainedBytes bounds the payload bytes of all retained messages together', async () => {
  const broker = await startTestBroker({ maxRetainedBytes: 1000 });
  const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  const pub = await connectClient(url, { clientId: 'ret-bytes' });
  try {
    await pub.publishAsync('b/1', Buffer.alloc(600, 0x61), { qos: 1, retain: true });
    await pub.publishAsync('b/2', Buffer.alloc(600, 0x62), { qos: 1, retain: true });
    await pub.publishAsync('b/1', Buffer.alloc(300, 0x63), { qos: 1, retain: true });
    await pub.publishAsync('b/3', Buffer.alloc(600, 0x64), { qos: 1, retain: true });
    assert.deepEqual(
      (await retainedSeen(url, 'b/#')).map((s) => s.slice(0, 5) + s.length),
      ['b/1=c304', 'b/3=d604'],
    );
    const metrics = (await httpGet(broker.ports.http, '/metrics')).text;
    assert.equal(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="retained_bytes"'), 1);
  } finally {
    await endAll(pub);
    await broker.close();
  }
});

test('messages retained by a rule are counted in rulemq_retained_messages', async () => {
  const rb = await startRulesBroker(`CREATE RULE keep AS SELECT payload FROM "in/#" INTO republish(topic = 'kept/\${payload}', retain = true);\n`);
  const pub = await connectClient(rb.mqttUrl, { clientId: 'rule-ret' });
  try {
    await pub.publishAsync('in/a', 'x', { qos: 1 });
    await pub.publishAsync('in/b', 'y', { qos: 1 });
    await eventually(
      async () => metricValue((await httpGet(rb.httpPort, '/metrics')).text, 'rulemq_retained_messages', '') === 2,
      5000,
      'two retained by the rule',
    );
  } finally {
    await endAll(pub);
    await rb.close();
  }
});
