import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet, metricValue } from '../support/broker.js';
import { rawConnect, type RawConn } from '../support/raw.js';
import { connect, subscribe } from '../support/wire.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import { eventually, startRulesBroker } from '../support/rules-broker.js';

/** A subscriber that subscribes to `filter` and then stops reading its socket. */
async function stalledSubscriber(port: number, id: string, filter: string, qos: 0 | 1): Promise<RawConn> {
  const c = await rawConnect(port);
  c.socket.write(connect(id));
  await c.bytes(4);
  c.socket.write(subscribe(1, [filter, qos]));
  await c.bytes(9); // CONNACK + SUBACK
  c.socket.pause();
  return c;
}

const DROPPED_RULE = 'CREATE RULE dropped AS SELECT clientid, reason FROM "$events/delivery_dropped";\n';

test('a subscriber that stops reading loses QoS 0 messages, counted, while other clients keep getting theirs', async () => {
  const rb = await startRulesBroker(DROPPED_RULE, { flags: { maxClientOutgoingBytes: 64 * 1024, slowClientTimeoutMs: 600000 } });
  const port = rb.broker.ports['mqtt-tcp'];
  const slow = await stalledSubscriber(port, 'slow', 'flood/#', 0);
  const pub = await connectClient(rb.mqttUrl, { clientId: 'flooder' });
  const good = await connectClient(rb.mqttUrl, { clientId: 'good' });
  try {
    await good.subscribeAsync('good/t', { qos: 0 });
    const clients = (rb.broker.broker as unknown as { clients: Record<string, { conn: { writableHighWaterMark: number } }> }).clients;
    assert.equal(clients.slow.conn.writableHighWaterMark, 64 * 1024, 'the connection buffers maxClientOutgoingBytes before back-pressure');
    const payload = Buffer.alloc(4096, 0x61);
    // Far more than the socket buffers between the broker and the stalled client hold.
    for (let i = 0; i < 4000; i++) pub.publish('flood/x', payload, { qos: 0 });
    await eventually(
      async () => metricValue((await httpGet(rb.httpPort, '/metrics')).text, 'rulemq_limit_hits_total', 'limit="slow_subscriber"') > 0,
      10_000,
      'drops counted',
    );
    const got = nextMessages(good, 1, 5000);
    await pub.publishAsync('good/t', 'still here', { qos: 0 });
    assert.equal((await got)[0].payload, 'still here');
    const rule = rb.plugin.current.rule('dropped')!;
    assert.ok(rule.stats.matched > 0, '$events/delivery_dropped fired');
    assert.equal(slow.socket.destroyed, false, 'QoS 0 drops alone do not disconnect the slow client');
  } finally {
    slow.socket.destroy();
    await endAll(pub, good);
    await rb.close();
  }
});

test('a QoS 1 subscriber that stops reading is disconnected once a message would fill its connection, counted', async () => {
  const rb = await startRulesBroker('', { flags: { maxClientOutgoingBytes: 64 * 1024, slowClientTimeoutMs: 600000 } });
  const port = rb.broker.ports['mqtt-tcp'];
  const slow = await stalledSubscriber(port, 'slow-q1', 'q1/#', 1);
  const pub = await connectClient(rb.mqttUrl, { clientId: 'q1-pub' });
  try {
    const payload = Buffer.alloc(8192, 0x62);
    for (let i = 0; i < 2000; i++) pub.publish('q1/x', payload, { qos: 1 });
    const clients = (rb.broker.broker as unknown as { clients: Record<string, unknown> }).clients;
    await eventually(() => clients['slow-q1'] !== undefined, 5000, 'the slow client is connected');
    // The paused socket does not read the close: the broker's side tells.
    await eventually(() => clients['slow-q1'] === undefined, 15_000, 'the broker disconnects the slow client');
    const metrics = (await httpGet(rb.httpPort, '/metrics')).text;
    assert.ok(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="slow_subscriber_disconnect"') >= 1);
  } finally {
    slow.socket.destroy();
    await endAll(pub);
    await rb.close();
  }
});

test('an MQTT 5 QoS 1 subscriber that stops reading is asked to disconnect once (0x97), closed at slowClientTimeoutMs at the latest', async () => {
  const rb = await startRulesBroker('', { flags: { maxClientOutgoingBytes: 64 * 1024, slowClientTimeoutMs: 2000 } });
  const slow = await connectClient(rb.mqttUrl, { clientId: 'slow-v5', protocolVersion: 5, reconnectPeriod: 0 });
  const pub = await connectClient(rb.mqttUrl, { clientId: 'v5-pub' });
  try {
    await slow.subscribeAsync('q5/#', { qos: 1 });
    (slow as unknown as { stream: { pause(): void } }).stream.pause();
    const clients = (rb.broker.broker as unknown as { clients: Record<string, unknown> }).clients;
    const payload = Buffer.alloc(8192, 0x63);
    for (let i = 0; i < 2000; i++) pub.publish('q5/x', payload, { qos: 1 });
    await eventually(() => clients['slow-v5'] === undefined, 15_000, 'the broker closes the slow client');
    const metrics = (await httpGet(rb.httpPort, '/metrics')).text;
    assert.equal(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="slow_subscriber_disconnect"'), 1, 'one disconnect, however many messages came after');
  } finally {
    await endAll(pub);
    slow.end(true);
    await rb.close();
  }
});
