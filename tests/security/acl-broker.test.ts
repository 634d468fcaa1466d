import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';
import { openSession, hex } from './support/session.js';
import { ack, connect, publish, subscribe, CONNACK_OK } from '../support/wire.js';
import { connectMqtt5 } from '../support/mqtt5-session.js';
import { PROTOCOLS } from '../support/protocols.js';

const dir = mkdtempSync(join(tmpdir(), 'rulemq-acl-'));
const aclFile = join(dir, 'acl');

const ACL = `topic read public/#
topic write inbox/anonymous
pattern readwrite devices/%c/#
pattern deny devices/%c/locked
`;

describe('ACL enforcement in a running broker', () => {
  let broker: RunningBroker;
  let url: string;
  before(async () => {
    writeFileSync(aclFile, ACL);
    broker = await startTestBroker({ aclFile });
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  });
  after(async () => broker.close(1000));

  const denied = async (action: string) =>
    metricValue((await httpGet(broker.ports.http, '/metrics')).text, 'rulemq_authorization_denied_total', `action="${action}"`);

  test('a denied QoS 1 PUBLISH still gets its PUBACK, is dropped, and the connection stays up', async () => {
    const before = await denied('publish');
    const watcher = await connectClient(url, { clientId: 'watcher-1' });
    const s = await openSession(broker, 'tcp');
    try {
      await watcher.subscribeAsync('devices/watcher-1/#');
      s.write(connect('intruder'));
      assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
      s.write(publish('devices/watcher-1/cmd', { qos: 1, id: 42, payload: 'evil' }));
      assert.equal((await s.read(4)).toString('hex'), ack('puback', 42).toString('hex'));
      // An allowed publish after it arrives; the denied one never did (same connection, in order).
      s.write(publish('devices/intruder/state', { qos: 1, id: 43 }));
      assert.equal((await s.read(4)).toString('hex'), ack('puback', 43).toString('hex'));
      const got: string[] = [];
      watcher.on('message', (t) => got.push(t));
      const own = await connectClient(url, { clientId: 'watcher-1-pub' });
      await own.publishAsync('public/x', 'not for watcher', { qos: 1 }); // anonymous may not write public/ either
      await endAll(own);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got, []);
      assert.equal(s.closed, false);
      assert.equal((await denied('publish')) - before, 2);
    } finally {
      s.destroy();
      await endAll(watcher);
    }
  });

  test('a denied QoS 2 PUBLISH gets PUBREC and, after PUBREL, PUBCOMP', async () => {
    const s = await openSession(broker, 'tcp');
    try {
      s.write(connect('qos2-intruder'));
      await s.read(4);
      s.write(publish('devices/someone-else/x', { qos: 2, id: 7 }));
      assert.equal((await s.read(4)).toString('hex'), ack('pubrec', 7).toString('hex'));
      s.write(ack('pubrel', 7));
      assert.equal((await s.read(4)).toString('hex'), ack('pubcomp', 7).toString('hex'));
    } finally {
      s.destroy();
    }
  });

  test('a denied subscription gets SUBACK 0x80 next to granted ones', async () => {
    const before = await denied('subscribe');
    const s = await openSession(broker, 'tcp');
    try {
      s.write(connect('sub-check'));
      await s.read(4);
      s.write(subscribe(5, ['public/#', 1], ['secret/#', 1], ['devices/sub-check/#', 2], ['devices/other/#', 0]));
      assert.equal((await s.read(8)).toString('hex'), hex('90 06 0005 01 80 02 80').toString('hex'));
      assert.equal((await denied('subscribe')) - before, 2);
    } finally {
      s.destroy();
    }
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: MQTT.js sees ${protocolVersion === 5 ? '0x87 (Not authorized)' : 'return code 128'} for a denied subscription`, async () => {
      const c = await connectClient(url, { clientId: `mqttjs-sub-${protocolVersion}`, protocolVersion });
      try {
        // MQTT.js rejects a SUBSCRIBE with any failure code, carrying the SUBACK.
        await assert.rejects(c.subscribeAsync({ 'secret/x': { qos: 1 }, 'public/y': { qos: 1 } }), (err: { packet?: { granted?: number[] } }) => {
          assert.deepEqual(err.packet?.granted, [protocolVersion === 5 ? 0x87 : 128, 1]);
          return true;
        });
        assert.equal(c.connected, true);
      } finally {
        await endAll(c);
      }
    });

    test(`${label}: a '#' subscriber only receives the topics it may read`, async () => {
      const reader = await connectClient(url, { clientId: `wide-reader-${protocolVersion}`, protocolVersion });
      const owner = await connectClient(url, { clientId: 'owner', protocolVersion });
      try {
        const [g] = await reader.subscribeAsync('#', { qos: 1 });
        assert.equal(g.qos, 1, "'#' is granted: it shares topics with 'public/#'");
        const got: string[] = [];
        reader.on('message', (t) => got.push(t));
        const last = nextMessages(reader, 1);
        await owner.publishAsync('devices/owner/private', 'x', { qos: 1 }); // owner may write, reader may not read
        await broker.broker.publish(
          { cmd: 'publish', topic: 'public/news', payload: Buffer.from('hello'), qos: 1, retain: false, dup: false },
          () => undefined,
        );
        await last;
        assert.deepEqual(got, ['public/news']);
      } finally {
        await endAll(reader, owner);
      }
    });
  }

  test('publishing to $SYS is dropped even with a PUBACK', async () => {
    const watcher = await connectClient(url, { clientId: 'sys-watch' });
    const s = await openSession(broker, 'tcp');
    try {
      s.write(connect('sys-writer'));
      await s.read(4);
      s.write(publish('$SYS/another-node/new/clients', { qos: 1, id: 3, payload: 'sys-watch' }));
      assert.equal((await s.read(4)).toString('hex'), ack('puback', 3).toString('hex'));
      // Aedes closes a local client named in $SYS/<other node>/new/clients: the forged message must not get through.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(watcher.connected, true);
    } finally {
      s.destroy();
      await endAll(watcher);
    }
  });

  test('a client id holding a wildcard gets nothing from %c patterns (CVE-2017-7650)', async () => {
    const s = await openSession(broker, 'tcp');
    try {
      s.write(connect('+'));
      assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
      s.write(subscribe(9, ['devices/+/#', 1], ['devices/victim/#', 1]));
      assert.equal((await s.read(6)).toString('hex'), hex('90 04 0009 80 80').toString('hex'));
    } finally {
      s.destroy();
    }
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: a reloaded ACL applies to connected clients without reconnecting`, async () => {
      const c = await connectClient(url, { clientId: `reloader-${protocolVersion}`, protocolVersion });
      try {
        await assert.rejects(
          c.subscribeAsync(`news${protocolVersion}/#`),
          (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === (protocolVersion === 5 ? 0x87 : 128),
        );
        writeFileSync(aclFile, `${ACL}topic read news${protocolVersion}/#\n`);
        assert.deepEqual(broker.security.reload(), []);
        assert.equal((await c.subscribeAsync(`news${protocolVersion}/#`))[0].qos, 0);
      } finally {
        writeFileSync(aclFile, ACL);
        broker.security.reload();
        await endAll(c);
      }
    });
  }

  // The raw-byte tests above pin the 3.1.1 answers; MQTT 5 answers the same refusals with reason codes.
  test('MQTT 5: a denied PUBLISH gets PUBACK / PUBREC 0x87, is dropped, and the connection stays up', async () => {
    const before = await denied('publish');
    const watcher = await connectClient(url, { clientId: 'watcher-5', protocolVersion: 5 });
    const { s } = await connectMqtt5(broker.ports['mqtt-tcp'], { clientId: 'intruder-5' });
    try {
      await watcher.subscribeAsync('devices/watcher-5/#');
      const got: string[] = [];
      watcher.on('message', (t) => got.push(t));
      s.send({ cmd: 'publish', topic: 'devices/watcher-5/cmd', qos: 1, messageId: 42, payload: Buffer.from('evil') });
      const puback = await s.next('puback');
      assert.deepEqual([puback.messageId, puback.reasonCode], [42, 0x87]);
      s.send({ cmd: 'publish', topic: 'devices/watcher-5/cmd', qos: 2, messageId: 43, payload: Buffer.from('evil') });
      const pubrec = await s.next('pubrec');
      assert.deepEqual([pubrec.messageId, pubrec.reasonCode], [43, 0x87]); // the exchange ends here (§4.3.3)
      s.send({ cmd: 'publish', topic: '$SYS/another-node/new/clients', qos: 1, messageId: 44, payload: Buffer.from('watcher-5') });
      assert.equal((await s.next('puback')).reasonCode, 0x87);
      s.send({ cmd: 'publish', topic: 'devices/intruder-5/state', qos: 1, messageId: 45, payload: Buffer.from('ok') });
      assert.equal((await s.next('puback')).reasonCode, 0);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got, []);
      assert.equal(watcher.connected, true);
      assert.equal(await s.waitClosed(100), false);
      assert.equal((await denied('publish')) - before, 3);
    } finally {
      s.destroy();
      await endAll(watcher);
    }
  });

  test('MQTT 5: denied filters get SUBACK 0x87 next to granted ones', async () => {
    const { s } = await connectMqtt5(broker.ports['mqtt-tcp'], { clientId: 'sub-check-5' });
    try {
      s.send({
        cmd: 'subscribe',
        messageId: 5,
        subscriptions: [
          { topic: 'public/#', qos: 1 },
          { topic: 'secret/#', qos: 1 },
          { topic: 'devices/sub-check-5/#', qos: 2 },
        ],
      });
      assert.deepEqual((await s.next('suback')).granted, [1, 0x87, 2]);
    } finally {
      s.destroy();
    }
  });
});
