import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { rawConnect } from '../support/raw.js';
import { connect, malformed, PINGREQ } from '../support/wire.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';
import WebSocket from 'ws';
import { makeTestCerts } from '../support/certs.js';
import { openSession } from '../security/support/session.js';
import { PROTOCOLS } from '../support/protocols.js';

describe('protections bare Aedes lacks', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker({ maxPacketBytes: 64 * 1024, connectTimeoutMs: 300 });
  });
  after(async () => broker.close(1000));

  test('closes a connection whose first packet is not CONNECT', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(PINGREQ);
    await c.closed();
    assert.equal(Buffer.concat(c.received).length, 0, 'no reply before the close');
  });

  test('closes a connection that declares a PUBLISH larger than maxPacketBytes before reading its body', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(connect('big-1'));
    const connack = await c.bytes(4);
    assert.deepEqual([...connack], [0x20, 0x02, 0x00, 0x00]);
    // Declares 50 MiB but sends only the header and a few bytes.
    c.socket.write(malformed.publishHeader(50 * 1024 * 1024, malformed.field('t')));
    await c.closed();
    const metrics = await httpGet(broker.ports.http, '/metrics');
    assert.ok(metricValue(metrics.text, 'rulemq_connections_rejected_total', 'reason="packet_too_large"') >= 1);
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: accepts a packet just under the limit and delivers it`, async () => {
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const sub = await connectClient(url, { clientId: `limit-sub-${protocolVersion}`, protocolVersion });
      const pub = await connectClient(url, { clientId: `limit-pub-${protocolVersion}`, protocolVersion });
      try {
        await sub.subscribeAsync('limit/t', { qos: 1 });
        const got = nextMessages(sub);
        await pub.publishAsync('limit/t', Buffer.alloc(60 * 1024, 0x61), { qos: 1 });
        assert.equal((await got)[0].payload.length, 60 * 1024);
      } finally {
        await endAll(sub, pub);
      }
    });
  }

  test('closes a connection with a malformed remaining length', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await c.closed();
  });

  test('closes a connection that never sends CONNECT after connectTimeoutMs', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    await c.closed(3000);
  });

  test('refuses an empty client id with clean session false with CONNACK 0x02', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(malformed.connect('', { clean: false }));
    const connack = await c.bytes(4);
    assert.deepEqual([...connack], [0x20, 0x02, 0x00, 0x02]);
    await c.closed();
  });

  test('accepts an empty client id with clean session true', async () => {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(connect('', { clean: true }));
    assert.deepEqual([...(await c.bytes(4))], [0x20, 0x02, 0x00, 0x00]);
    c.socket.destroy();
  });

  test('closes a WebSocket client that sends a message larger than the limit', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, 'mqtt');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(200 * 1024));
    assert.equal(await closed, 1009); // message too big
  });

  for (const { label, protocolVersion } of PROTOCOLS) {
    test(`${label}: the broker keeps serving after all of the above`, async () => {
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const c = await connectClient(url, { clientId: `still-alive-${protocolVersion}`, protocolVersion });
      assert.equal(c.connected, true);
      await endAll(c);
    });
  }
});

describe('memory under oversize declared packets', () => {
  test('4 connections declaring 50 MiB PUBLISH packets are closed and RSS grows by less than 20 MiB', async () => {
    const broker = await startTestBroker();
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      const conns = await Promise.all([0, 1, 2, 3].map(() => rawConnect(broker.ports['mqtt-tcp'])));
      for (const [i, c] of conns.entries()) {
        c.socket.write(connect(`oversize-${i}`));
        await c.bytes(4);
        c.socket.write(malformed.publishHeader(50 * 1024 * 1024));
        // Keep streaming body bytes; the broker must close before buffering them.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let k = 0; k < 16 && !c.socket.destroyed; k++) c.socket.write(chunk);
      }
      await Promise.all(conns.map((c) => c.closed()));
      const growth = process.memoryUsage().rss - before;
      assert.ok(growth < 20 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
    } finally {
      await broker.close(1000);
    }
  });

  for (const transport of ['tls', 'ws'] as const) {
    test(`the same over ${transport}: closed, RSS grows by less than 20 MiB, and the broker still serves`, async () => {
      const certs = makeTestCerts();
      const broker = await startTestBroker({ tlsCert: certs.serverCert, tlsKey: certs.serverKey });
      try {
        global.gc?.();
        const before = process.memoryUsage().rss;
        const conns = await Promise.all([0, 1, 2, 3].map(() => openSession(broker, transport, { ca: certs.ca })));
        for (const [i, c] of conns.entries()) {
          c.write(connect(`oversize-${transport}-${i}`));
          assert.deepEqual([...(await c.read(4))], [0x20, 0x02, 0x00, 0x00]);
          c.write(malformed.publishHeader(50 * 1024 * 1024));
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          for (let k = 0; k < 16 && !c.closed; k++) c.write(chunk);
        }
        assert.deepEqual(await Promise.all(conns.map((c) => c.waitClosed(10_000))), [true, true, true, true]);
        const growth = process.memoryUsage().rss - before;
        assert.ok(growth < 20 * 1024 * 1024, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
        const ok = await openSession(broker, transport, { ca: certs.ca });
        ok.write(connect(`after-oversize-${transport}`));
        assert.deepEqual([...(await ok.read(4))], [0x20, 0x02, 0x00, 0x00]);
        ok.destroy();
      } finally {
        await broker.close(1000);
      }
    });
  }
});

describe('logging under a flood of hostile connections', () => {
  test('closures by protection are logged at most about once a second, with a count of the suppressed ones', async () => {
    const broker = await startTestBroker();
    try {
      const conns = await Promise.all(Array.from({ length: 30 }, () => rawConnect(broker.ports['mqtt-tcp'])));
      for (const c of conns) c.socket.write(PINGREQ);
      await Promise.all(conns.map((c) => c.closed()));
      const lines = broker.logs.filter((l) => l.includes('connection closed by protection'));
      assert.ok(lines.length >= 1 && lines.length <= 3, `${lines.length} log lines for 30 closures`);
      const metrics = await httpGet(broker.ports.http, '/metrics');
      assert.equal(metricValue(metrics.text, 'rulemq_connections_rejected_total', 'reason="first_packet_not_connect"'), 30);
    } finally {
      await broker.close(1000);
    }
  });
});

describe('bytes held in unfinished packets across connections', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker({ maxPacketBytes: 1024 * 1024, maxIncompletePacketBytes: 1024 * 1024 });
  });
  after(async () => broker.close());

  /** A connected client that starts a 600 KiB PUBLISH and sends `bytes` of it. */
  async function startUpload(id: string, bytes: number) {
    const c = await rawConnect(broker.ports['mqtt-tcp']);
    c.socket.write(connect(id));
    await c.bytes(4);
    const body = 600 * 1024;
    c.socket.write(malformed.publishHeader(body, Buffer.concat([malformed.field('t'), Buffer.alloc(bytes)])));
    return c;
  }

  test('the connection that pushes the total past maxIncompletePacketBytes is closed; the others and new clients go on', async () => {
    const first = await startUpload('slow-1', 550 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    const second = await startUpload('slow-2', 550 * 1024);
    await second.closed(5000);
    const metrics = await httpGet(broker.ports.http, '/metrics');
    assert.equal(metricValue(metrics.text, 'rulemq_connections_rejected_total', 'reason="incomplete_packets_budget"'), 1);
    // The first upload still holds its share and can finish.
    first.socket.write(Buffer.alloc(600 * 1024 - 3 - 550 * 1024));
    first.socket.write(PINGREQ); // PINGREQ after the PUBLISH
    assert.deepEqual([...(await first.bytes(6)).subarray(4)], [0xd0, 0x00], 'PINGRESP after the CONNACK: the finished upload left the budget');
    // A closed connection gives its share back: a new upload fits.
    const third = await startUpload('slow-3', 300 * 1024);
    third.socket.write(Buffer.alloc(600 * 1024 - 3 - 300 * 1024));
    third.socket.write(PINGREQ);
    assert.deepEqual([...(await third.bytes(6)).subarray(4)], [0xd0, 0x00]);
    first.socket.destroy();
    third.socket.destroy();
  });
});
