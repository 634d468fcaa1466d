import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startTestBroker } from '../support/broker.js';
import { makeTestCerts } from '../support/certs.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';

describe('publish and subscribe over every transport', () => {
  let broker: RunningBroker;
  const certs = makeTestCerts();
  before(async () => {
    broker = await startTestBroker({ tlsCert: certs.serverCert, tlsKey: certs.serverKey });
  });
  after(async () => broker.close(1000));

  const transports = () => ({
    tcp: { url: `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`, opts: {} },
    tls: { url: `mqtts://127.0.0.1:${broker.ports['mqtt-tls']}`, opts: { ca: certs.ca } },
    ws: { url: `ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, opts: {} },
    wss: { url: `wss://127.0.0.1:${broker.ports['mqtt-wss']}/mqtt`, opts: { ca: certs.ca } },
  });

  for (const name of ['tcp', 'tls', 'ws', 'wss'] as const) {
    for (const qos of [0, 1, 2] as const) {
      test(`delivers a QoS ${qos} message over ${name} to a subscriber on ${name}`, async () => {
        const t = transports()[name];
        let sub: MqttClient | undefined;
        let pub: MqttClient | undefined;
        try {
          sub = await connectClient(t.url, { ...t.opts, clientId: `sub-${name}-${qos}` });
          pub = await connectClient(t.url, { ...t.opts, clientId: `pub-${name}-${qos}` });
          await sub.subscribeAsync(`t/${name}/${qos}`, { qos });
          const got = nextMessages(sub);
          await pub.publishAsync(`t/${name}/${qos}`, `hello ${name} ${qos}`, { qos });
          const [msg] = await got;
          assert.equal(msg.topic, `t/${name}/${qos}`);
          assert.equal(msg.payload, `hello ${name} ${qos}`);
          assert.equal(msg.qos, qos);
        } finally {
          await endAll(sub, pub);
        }
      });
    }
  }

  test('a message published on TCP reaches a WebSocket subscriber', async () => {
    const t = transports();
    const sub = await connectClient(t.ws.url, { clientId: 'cross-sub' });
    const pub = await connectClient(t.tcp.url, { clientId: 'cross-pub' });
    try {
      await sub.subscribeAsync('cross/#', { qos: 1 });
      const got = nextMessages(sub);
      await pub.publishAsync('cross/a', 'x', { qos: 1 });
      assert.equal((await got)[0].topic, 'cross/a');
    } finally {
      await endAll(sub, pub);
    }
  });

  test('keeps a retained message for later subscribers and clears it with an empty payload', async () => {
    const { url } = transports().tcp;
    const pub = await connectClient(url, { clientId: 'retain-pub' });
    await pub.publishAsync('retained/x', 'kept', { qos: 1, retain: true });
    const late = await connectClient(url, { clientId: 'retain-sub' });
    try {
      const got = nextMessages(late);
      await late.subscribeAsync('retained/#', { qos: 1 });
      const [msg] = await got;
      assert.equal(msg.payload, 'kept');
      assert.equal(msg.retain, true);
      await pub.publishAsync('retained/x', '', { qos: 1, retain: true });
      const later = await connectClient(url, { clientId: 'retain-sub-2' });
      let received = 0;
      later.on('message', () => received++);
      await later.subscribeAsync('retained/#', { qos: 1 });
      // A PINGREQ round trip after SUBACK: a retained message would have been sent before it.
      await new Promise<void>((resolve) => {
        later.once('packetreceive', () => resolve());
        (later as unknown as { _sendPacket(p: unknown): void })._sendPacket({ cmd: 'pingreq' });
      });
      assert.equal(received, 0);
      await endAll(later);
    } finally {
      await endAll(pub, late);
    }
  });

  test('publishes the will message when a client disappears without DISCONNECT', async () => {
    const { url } = transports().tcp;
    const watcher = await connectClient(url, { clientId: 'will-watcher' });
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const dying = await connectClient(url, {
      clientId: 'will-dying',
      will: { topic: 'wills/dying', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    const got = nextMessages(watcher);
    (dying as unknown as { stream: { destroy(): void } }).stream.destroy();
    const [msg] = await got;
    assert.equal(msg.topic, 'wills/dying');
    assert.equal(msg.payload, 'gone');
    await endAll(watcher, dying);
  });
});
