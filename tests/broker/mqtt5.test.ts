import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import mqtt from 'mqtt';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { makeTestCerts } from '../support/certs.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { connectMqtt5, openMqtt5 } from '../support/mqtt5-session.js';
import { malformed } from '../support/wire.js';
import type { RunningBroker } from '../../broker/index.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The next message on `client`, with its MQTT 5 properties. */
function nextMessage(client: mqtt.MqttClient, timeoutMs = 5000): Promise<{ topic: string; payload: string; properties: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message')), timeoutMs);
    client.once('message', (topic, payload, packet) => {
      clearTimeout(t);
      resolve({ topic, payload: payload.toString(), properties: (packet.properties ?? {}) as Record<string, unknown> });
    });
  });
}

describe('MQTT 5 on every listener', () => {
  const certs = makeTestCerts();
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker({ tlsCert: certs.serverCert, tlsKey: certs.serverKey });
  });
  after(async () => broker.close(1000));

  for (const [listener, scheme] of [
    ['mqtt-tcp', 'mqtt'],
    ['mqtt-tls', 'mqtts'],
    ['mqtt-ws', 'ws'],
    ['mqtt-wss', 'wss'],
  ] as const) {
    test(`${listener}: a v5 client connects, sees the broker's limits in CONNACK and gets its User-Property back`, async () => {
      const url = `${scheme}://127.0.0.1:${broker.ports[listener]}${scheme.startsWith('ws') ? '/mqtt' : ''}`;
      const c = await connectClient(url, { protocolVersion: 5, ca: certs.ca, clientId: `v5-${listener}` });
      try {
        let connack: Record<string, unknown> | undefined;
        c.on('packetreceive', (p) => p.cmd === 'connack' && (connack = p.properties as Record<string, unknown>));
        const props = (c as unknown as { connackPacket?: { properties?: Record<string, unknown> } }).connackPacket?.properties;
        assert.equal(props?.maximumPacketSize, 1048576);
        assert.equal(props?.receiveMaximum, 100);
        assert.equal(props?.topicAliasMaximum, 10);
        void connack;
        await c.subscribeAsync('v5/t', { qos: 1 });
        const got = nextMessage(c);
        await c.publishAsync('v5/t', 'hello', { qos: 1, properties: { userProperties: { site: 'berlin' }, contentType: 'text/plain' } });
        const m = await got;
        assert.equal(m.payload, 'hello');
        assert.deepEqual({ ...(m.properties.userProperties as object) }, { site: 'berlin' });
        assert.equal(m.properties.contentType, 'text/plain');
      } finally {
        await endAll(c);
      }
    });
  }

  test('mosquitto_pub -V mqttv5 publishes with a User-Property to a v5 subscriber', async () => {
    const port = broker.ports['mqtt-tcp'];
    const c = await connectClient(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: 'v5-mosq-sub' });
    try {
      await c.subscribeAsync('mosq/v5', { qos: 1 });
      const got = nextMessage(c);
      await run('mosquitto_pub', [
        '-V',
        'mqttv5',
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-t',
        'mosq/v5',
        '-m',
        'from-mosquitto',
        '-q',
        '1',
        '-D',
        'publish',
        'user-property',
        'site',
        'lab',
      ]);
      const m = await got;
      assert.equal(m.payload, 'from-mosquitto');
      assert.deepEqual({ ...(m.properties.userProperties as object) }, { site: 'lab' });
    } finally {
      await endAll(c);
    }
  });
});

describe('MQTT 5 towards clients: the gaps of bare Aedes 2.0.0-beta.1', () => {
  let broker: RunningBroker;
  let port: number;
  let url: string;
  before(async () => {
    broker = await startTestBroker({});
    port = broker.ports['mqtt-tcp'];
    url = `mqtt://127.0.0.1:${port}`;
  });
  after(async () => broker.close(1000));

  test('the will PUBLISH carries the will properties but not the Will Delay Interval, and goes out after the delay', async () => {
    const watcher = await openMqtt5(port);
    watcher.send({ cmd: 'connect', protocolVersion: 5, clientId: 'will-watch', clean: true, keepalive: 60 });
    await watcher.next('connack');
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/v5', qos: 1 }] });
    await watcher.next('suback');
    const { s } = await connectMqtt5(port, {
      clientId: 'will-owner',
      properties: { sessionExpiryInterval: 30 },
      will: {
        topic: 'will/v5',
        payload: Buffer.from('gone'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 1, contentType: 'text/plain', userProperties: { k: 'v' } },
      },
    });
    const closedAt = Date.now();
    s.destroy();
    const will = await watcher.next('publish', 5000);
    assert.ok(Date.now() - closedAt >= 900, 'not before the Will Delay Interval');
    const props = will.properties as Record<string, unknown>;
    assert.equal(props.willDelayInterval, undefined); // not a PUBLISH property (§3.3.2.3)
    assert.equal(props.contentType, 'text/plain');
    assert.equal(watcher.parseError, null);
    watcher.destroy();
  });

  test('no more unacknowledged QoS 1 PUBLISH than the client’s Receive Maximum; a PUBACK lets the next one out', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'rm-2', properties: { receiveMaximum: 2 } });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/t', qos: 1 }] });
    await s.next('suback');
    const pub = await connectClient(url, { protocolVersion: 5 });
    for (let i = 0; i < 5; i++) await pub.publishAsync('rm/t', `m${i}`, { qos: 1 });
    const first = await s.next('publish');
    await s.next('publish');
    await sleep(300);
    assert.equal(s.received('publish').length, 2); // [MQTT-3.3.4-7]
    s.send({ cmd: 'puback', messageId: first.messageId });
    await s.next('publish');
    await sleep(200);
    assert.equal(s.received('publish').length, 3);
    assert.deepEqual(
      s.received('publish').map((p) => String(p.payload)),
      ['m0', 'm1', 'm2'],
    );
    s.destroy();
    await endAll(pub);
  });

  test('a PUBLISH larger than the client’s Maximum Packet Size is not sent; smaller ones still are', async () => {
    const c = await connectClient(url, { protocolVersion: 5, clientId: 'mps-100', properties: { maximumPacketSize: 100 } });
    const pub = await connectClient(url, { protocolVersion: 5 });
    try {
      const errors: string[] = [];
      c.on('error', (e) => errors.push(e.message));
      const got: string[] = [];
      c.on('message', (_t, p) => got.push(p.toString()));
      await c.subscribeAsync('mps/t', { qos: 1 });
      await pub.publishAsync('mps/t', 'x'.repeat(500), { qos: 1 });
      await pub.publishAsync('mps/t', 'small', { qos: 1 });
      await sleep(300);
      assert.deepEqual(got, ['small']); // [MQTT-3.1.2-24] [MQTT-3.1.2-25]
      assert.deepEqual(errors, []);
      assert.equal(c.connected, true);
      const metrics = (await httpGet(broker.ports.http, '/metrics')).text;
      assert.equal(metricValue(metrics, 'rulemq_messages_discarded_total', 'reason="too_large"'), 1);
      assert.ok(metricValue(metrics, 'rulemq_connections_by_protocol', 'protocol="5"') >= 2);
    } finally {
      await endAll(c, pub);
    }
  });

  test('messages queued for an offline session (Session Expiry Interval > 0) arrive on reconnect; an expired one does not; the interval counts down', async () => {
    const first = await connectClient(url, { protocolVersion: 5, clientId: 'offline-v5', clean: true, properties: { sessionExpiryInterval: 60 } });
    await first.subscribeAsync('offline/t', { qos: 1 });
    await first.endAsync();
    const pub = await connectClient(url, { protocolVersion: 5 });
    await pub.publishAsync('offline/t', 'keep', { qos: 1, properties: { messageExpiryInterval: 30 } });
    await pub.publishAsync('offline/t', 'expires', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('offline/t', 'forever', { qos: 1 });
    await sleep(2100);
    const got: Array<{ payload: string; expiry: unknown }> = [];
    const again = mqtt.connect(url, {
      protocolVersion: 5,
      clientId: 'offline-v5',
      clean: false,
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 60 },
    });
    again.on('message', (_t, p, packet) => got.push({ payload: p.toString(), expiry: packet.properties?.messageExpiryInterval }));
    const connack = await new Promise<{ sessionPresent: boolean }>((r) => again.once('connect', r));
    assert.equal(connack.sessionPresent, true);
    await sleep(500);
    assert.deepEqual(
      got.map((m) => m.payload),
      ['keep', 'forever'],
    );
    const keep = got[0].expiry as number;
    assert.ok(keep <= 28 && keep >= 26, `remaining interval ${keep}`); // [MQTT-3.3.2-6]
    assert.equal(got[1].expiry, undefined);
    await endAll(again, pub);
  });

  test('a delivery carries the Subscription Identifiers of every matching subscription', async () => {
    const c = await connectClient(url, { protocolVersion: 5, clientId: 'subid' });
    try {
      await c.subscribeAsync('sid/#', { qos: 1, properties: { subscriptionIdentifier: 7 } });
      await c.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 9 } });
      await c.subscribeAsync('sid/other', { qos: 1, properties: { subscriptionIdentifier: 11 } });
      const got = nextMessage(c);
      await c.publishAsync('sid/a', 'x', { qos: 1 });
      assert.deepEqual((await got).properties.subscriptionIdentifier, [7, 9]); // [MQTT-3.3.4-3] [MQTT-3.3.4-4]
    } finally {
      await endAll(c);
    }
  });

  test('SUBACK codes a v5 client accepts: granted QoS per filter, shared subscriptions included', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'suback-v5' });
    s.send({
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [
        { topic: 'sa/0', qos: 0 },
        { topic: 'sa/1', qos: 1 },
        { topic: 'sa/2', qos: 2 },
        { topic: '$share/g/sa', qos: 1 },
      ],
    });
    const suback = await s.next('suback');
    assert.deepEqual(suback.granted, [0, 1, 2, 1]);
    assert.equal(s.parseError, null);
    s.destroy();
  });

  test('a malformed shared subscription gets SUBACK 0x8F (Topic Filter invalid) in MQTT 5, the others are granted', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'share-bad-v5' });
    s.send({
      cmd: 'subscribe',
      messageId: 4,
      subscriptions: [
        { topic: '$share/g+/x', qos: 1 },
        { topic: '$share/g/x', qos: 1 },
        { topic: '$share//x', qos: 0 },
      ],
    });
    const suback = await s.next('suback');
    assert.deepEqual(suback.granted, [0x8f, 1, 0x8f]);
    assert.equal(s.parseError, null);
    s.destroy();
  });

  test('No Local on a shared subscription is a Protocol Error: DISCONNECT 0x82 [MQTT-3.8.3-4]', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'share-nl-v5' });
    s.send({ cmd: 'subscribe', messageId: 5, subscriptions: [{ topic: '$share/g/nl', qos: 1, nl: true }] });
    assert.equal((await s.next('disconnect')).reasonCode, 0x82);
    assert.equal(await s.waitClosed(), true);
  });

  test('MQTT 5 members of a shared subscription get the messages round robin, one copy each', async () => {
    const a = await connectClient(url, { protocolVersion: 5, clientId: 'share-v5-a' });
    const b = await connectClient(url, { protocolVersion: 5, clientId: 'share-v5-b' });
    const pub = await connectClient(url, { protocolVersion: 5 });
    try {
      const got: Record<string, string[]> = { a: [], b: [] };
      a.on('message', (_t, p) => got.a.push(p.toString()));
      b.on('message', (_t, p) => got.b.push(p.toString()));
      await a.subscribeAsync('$share/g5/sh5/#', { qos: 1 });
      await b.subscribeAsync('$share/g5/sh5/#', { qos: 1 });
      for (let i = 0; i < 6; i++) await pub.publishAsync('sh5/t', String(i), { qos: 1 });
      const deadline = Date.now() + 5000;
      while (got.a.length + got.b.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual([got.a.length, got.b.length], [3, 3]);
      assert.deepEqual([...got.a, ...got.b].sort(), ['0', '1', '2', '3', '4', '5']);
    } finally {
      await endAll(a, b, pub);
    }
  });

  test('a client that allows topic aliases gets the topic once, then the alias alone', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'alias-out', properties: { topicAliasMaximum: 5 } });
    s.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'alias/t', qos: 0 }] });
    await s.next('suback');
    const pub = await connectClient(url, { protocolVersion: 5 });
    await pub.publishAsync('alias/t', 'one');
    await pub.publishAsync('alias/t', 'two');
    const a = await s.next('publish');
    const b = await s.next('publish');
    assert.equal(a.topic, 'alias/t');
    assert.equal((a.properties as Record<string, unknown>).topicAlias, 1); // [MQTT-3.3.2-10]
    assert.equal(b.topic, '');
    assert.equal((b.properties as Record<string, unknown>).topicAlias, 1); // [MQTT-3.3.2-12]
    s.destroy();
    await endAll(pub);
  });

  test('a client that does not allow topic aliases never gets one', async () => {
    const c = await connectClient(url, { protocolVersion: 5, clientId: 'alias-none' });
    const pub = await connectClient(url, { protocolVersion: 5 });
    try {
      const aliases: unknown[] = [];
      c.on('packetreceive', (p) => p.cmd === 'publish' && aliases.push(p.properties?.topicAlias));
      await c.subscribeAsync('alias/none', { qos: 0 });
      const got = nextMessage(c);
      await pub.publishAsync('alias/none', '1');
      await got;
      assert.deepEqual(aliases, [undefined]); // [MQTT-3.3.2-11]
    } finally {
      await endAll(c, pub);
    }
  });

  test('a second connection with the same client id: the first gets DISCONNECT 0x8E', async () => {
    const { s } = await connectMqtt5(port, { clientId: 'taken' });
    const c = await connectClient(url, { protocolVersion: 5, clientId: 'taken' });
    const d = await s.next('disconnect');
    assert.equal(d.reasonCode, 0x8e);
    await endAll(c);
  });

  test('MQTT 3.1.1 clients see none of it: same packets as before', async () => {
    const c = await connectClient(url, { protocolVersion: 4, clientId: 'v4-still' });
    try {
      await c.subscribeAsync('v4/t', { qos: 1 });
      const got = nextMessage(c);
      await c.publishAsync('v4/t', 'plain', { qos: 1 });
      const m = await got;
      assert.equal(m.payload, 'plain');
      assert.deepEqual(m.properties, {});
    } finally {
      await endAll(c);
    }
  });
});

describe('MQTT 5 reason codes from the broker', () => {
  test('Keep Alive: above maxKeepaliveSeconds becomes Server Keep Alive; serverKeepAliveSeconds replaces it; silence gets DISCONNECT 0x8D', async () => {
    const broker = await startTestBroker({ maxKeepaliveSeconds: 100 });
    try {
      const port = broker.ports['mqtt-tcp'];
      const { s, connack } = await connectMqtt5(port, { keepalive: 500 });
      assert.equal((connack.properties as Record<string, unknown>).serverKeepAlive, 100);
      s.destroy();
      const fine = await connectMqtt5(port, { keepalive: 30 });
      assert.equal((fine.connack.properties as Record<string, unknown>).serverKeepAlive, undefined);
      fine.s.destroy();
    } finally {
      await broker.close(1000);
    }
    const forced = await startTestBroker({ serverKeepAliveSeconds: 1 });
    try {
      const { s, connack } = await connectMqtt5(forced.ports['mqtt-tcp'], { keepalive: 60 });
      assert.equal((connack.properties as Record<string, unknown>).serverKeepAlive, 1);
      const d = await s.next('disconnect', 4000); // 1.5 × 1 s of silence [MQTT-3.1.2-22]
      assert.equal(d.reasonCode, 0x8d);
      assert.equal(await s.waitClosed(), true);
    } finally {
      await forced.close(1000);
    }
  });

  test('Session Expiry Interval above sessionExpiryMaxSeconds is lowered and told in CONNACK', async () => {
    const broker = await startTestBroker({ sessionExpiryMaxSeconds: 60 });
    try {
      const { s, connack } = await connectMqtt5(broker.ports['mqtt-tcp'], { properties: { sessionExpiryInterval: 3600 } });
      assert.equal((connack.properties as Record<string, unknown>).sessionExpiryInterval, 60);
      s.destroy();
    } finally {
      await broker.close(1000);
    }
  });

  test('maxPendingSessions: past it a disconnecting session ends at once instead of waiting for its expiry', async () => {
    const broker = await startTestBroker({ maxPendingSessions: 1 });
    try {
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const session = { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 600 } } as const;
      for (const clientId of ['kept', 'over']) {
        const c = await connectClient(url, { ...session, clientId });
        await c.subscribeAsync('pending/t', { qos: 1 });
        await c.endAsync();
      }
      const present: Record<string, boolean> = {};
      for (const clientId of ['kept', 'over']) {
        const c = mqtt.connect(url, { ...session, clientId, reconnectPeriod: 0 });
        present[clientId] = (await new Promise<{ sessionPresent: boolean }>((r) => c.once('connect', r))).sessionPresent;
        await c.endAsync();
      }
      assert.deepEqual(present, { kept: true, over: false });
    } finally {
      await broker.close(1000);
    }
  });

  test('packet too large: an oversized CONNECT gets CONNACK 0x95, an oversized PUBLISH DISCONNECT 0x95', async () => {
    const broker = await startTestBroker({ maxPacketBytes: 256 });
    try {
      const port = broker.ports['mqtt-tcp'];
      const big = await openMqtt5(port);
      big.send({ cmd: 'connect', protocolVersion: 5, clientId: 'big', clean: true, keepalive: 60, properties: { userProperties: { pad: 'p'.repeat(400) } } });
      assert.equal((await big.next('connack')).reasonCode, 0x95);
      assert.equal(await big.waitClosed(), true);
      const { s } = await connectMqtt5(port, { clientId: 'pub-big' });
      s.send({ cmd: 'publish', topic: 'big/t', qos: 0, payload: Buffer.alloc(400) });
      assert.equal((await s.next('disconnect')).reasonCode, 0x95);
      assert.equal(await s.waitClosed(), true);
    } finally {
      await broker.close(1000);
    }
  });

  test('more half-open QoS 2 exchanges than maxInflightInbound (the Receive Maximum) gets DISCONNECT 0x93', async () => {
    const broker = await startTestBroker({ maxInflightInbound: 2 });
    try {
      const { s, connack } = await connectMqtt5(broker.ports['mqtt-tcp'], { clientId: 'hoarder5' });
      assert.equal((connack.properties as Record<string, unknown>).receiveMaximum, 2);
      for (let id = 1; id <= 2; id++) {
        s.send({ cmd: 'publish', topic: 'hoard', qos: 2, messageId: id, payload: Buffer.from('x') });
        await s.next('pubrec');
      }
      s.send({ cmd: 'publish', topic: 'hoard', qos: 2, messageId: 3, payload: Buffer.from('x') });
      assert.equal((await s.next('disconnect')).reasonCode, 0x93); // [MQTT-3.3.4-9]
      assert.equal(await s.waitClosed(), true);
    } finally {
      await broker.close(1000);
    }
  });

  test('shutdown tells v5 clients DISCONNECT 0x8B', async () => {
    const broker = await startTestBroker({});
    const { s } = await connectMqtt5(broker.ports['mqtt-tcp'], { clientId: 'bye' });
    s.send({ cmd: 'pingreq' }); // answered once the broker has finished accepting the session
    await s.next('pingresp');
    const closing = broker.close(1000);
    assert.equal((await s.next('disconnect')).reasonCode, 0x8b);
    await closing;
  });

  test('client id longer than maxClientIdBytes gets CONNACK 0x85', async () => {
    const broker = await startTestBroker({ maxClientIdBytes: 30 });
    try {
      const s = await openMqtt5(broker.ports['mqtt-tcp']);
      s.send({ cmd: 'connect', protocolVersion: 5, clientId: 'c'.repeat(31), clean: true, keepalive: 60 });
      assert.equal((await s.next('connack')).reasonCode, 0x85);
      assert.equal(await s.waitClosed(), true);
    } finally {
      await broker.close(1000);
    }
  });
});

describe('bad MQTT 5 input gets the reason code the spec asks for, and the broker stays up', () => {
  let broker: RunningBroker;
  let port: number;
  before(async () => {
    broker = await startTestBroker({ topicAliasMaximum: 4 });
    port = broker.ports['mqtt-tcp'];
  });
  after(async () => broker.close(1000));

  // PUBLISH QoS 0 to topic "a", with the given property bytes, payload "x".
  const publishWithProps = (props: string) => {
    const p = Buffer.from(props.replace(/\s+/g, ''), 'hex');
    return malformed.packet(0x30, malformed.field('a'), Buffer.from([p.length]), p, Buffer.from('x'));
  };

  for (const [what, props, code] of [
    ['an unknown property id', '7F', 0x81],
    ['a property not allowed in PUBLISH (Session Expiry Interval)', '11 00000001', 0x81],
    ['a property length past the packet', '03 000A', 0x81],
    ['Content Type twice', '03 0001 61 03 0001 62', 0x82],
    ['Topic Alias 0', '23 0000', 0x94],
    ['a Topic Alias above topicAliasMaximum', '23 0005', 0x94],
    ['a Subscription Identifier', '0B 01', 0x82],
    ['Payload Format Indicator 2', '01 02', 0x82],
    ['Content Type with ill-formed UTF-8', '03 0002 C3 28', 0x81],
  ] as const) {
    test(`a PUBLISH with ${what} gets DISCONNECT 0x${code.toString(16)}`, async () => {
      const { s } = await connectMqtt5(port);
      s.writeBytes(publishWithProps(props));
      const d = await s.next('disconnect');
      assert.equal(d.reasonCode, code);
      assert.equal(await s.waitClosed(), true);
    });
  }

  test('a topic alias within the maximum works, and names the topic afterwards', async () => {
    const sub = await connectClient(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 });
    await sub.subscribeAsync('aliased/topic', { qos: 0 });
    const got: string[] = [];
    sub.on('message', (t, p) => got.push(`${t}=${p.toString()}`));
    const { s } = await connectMqtt5(port);
    s.send({ cmd: 'publish', topic: 'aliased/topic', qos: 0, payload: Buffer.from('1'), properties: { topicAlias: 4 } });
    s.send({ cmd: 'publish', topic: '', qos: 0, payload: Buffer.from('2'), properties: { topicAlias: 4 } });
    await sleep(300);
    assert.deepEqual(got, ['aliased/topic=1', 'aliased/topic=2']);
    s.destroy();
    await endAll(sub);
  });

  test('an empty topic without a Topic Alias gets DISCONNECT 0x90', async () => {
    const { s } = await connectMqtt5(port);
    s.writeBytes(Buffer.from('30040000' + '00' + '78', 'hex'));
    assert.equal((await s.next('disconnect')).reasonCode, 0x90);
  });

  test('SUBSCRIBE with Retain Handling 3 or a Subscription Identifier of 0 is refused', async () => {
    const a = await connectMqtt5(port);
    // SUBSCRIBE id 1, no properties, filter "a", options 0x30 (Retain Handling 3) [MQTT-3.8.3-5]
    a.s.writeBytes(Buffer.from('820700010000016130', 'hex'));
    assert.equal((await a.s.next('disconnect')).reasonCode, 0x81);
    const b = await connectMqtt5(port);
    b.s.writeBytes(Buffer.from('8208000102 0B00 000161 01'.replace(/\s+/g, ''), 'hex'));
    assert.equal((await b.s.next('disconnect')).reasonCode, 0x82);
  });

  test('an AUTH packet without enhanced authentication gets DISCONNECT 0x82', async () => {
    const { s } = await connectMqtt5(port);
    s.writeBytes(Buffer.from('f000', 'hex'));
    assert.equal((await s.next('disconnect')).reasonCode, 0x82);
  });

  test('after all of it the broker still serves v5 and 3.1.1 clients', async () => {
    for (const protocolVersion of [4, 5] as const) {
      const c = await connectClient(`mqtt://127.0.0.1:${port}`, { protocolVersion });
      await c.subscribeAsync('still/up', { qos: 1 });
      const got = nextMessage(c);
      await c.publishAsync('still/up', 'yes', { qos: 1 });
      assert.equal((await got).payload, 'yes');
      await endAll(c);
    }
  });
});
