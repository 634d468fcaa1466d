import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { openSession } from './support/session.js';
import { connect, CONNACK_OK } from '../support/wire.js';

describe('connections that never speak', () => {
  test('600 sockets that never send CONNECT are all closed after connectTimeoutMs, and the broker still serves', async () => {
    const broker = await startTestBroker({ connectTimeoutMs: 500, maxConnectRate: 0 });
    try {
      const n = 600;
      const closedAll = Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = net.connect(broker.ports['mqtt-tcp'], '127.0.0.1');
              s.on('error', () => undefined);
              s.on('close', () => resolve());
              s.setTimeout(30_000, () => reject(new Error('socket still open after 30 s')));
            }),
        ),
      );
      await closedAll;
      const metrics = (await httpGet(broker.ports.http, '/metrics')).text;
      assert.equal(metricValue(metrics, 'rulemq_connections_rejected_total', 'reason="connect_timeout"'), n);
      const s = await openSession(broker, 'tcp');
      s.write(connect('after-idle'));
      assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
      s.destroy();
    } finally {
      await broker.close(1000);
    }
  });
});

describe('WebSocket upgrade headers', () => {
  /** Sends a raw HTTP upgrade request with `extra` header lines; resolves with the response head (or all text up to the close). */
  function rawUpgrade(port: number, extra: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let text = '';
      const finish = () => {
        s.destroy();
        resolve(text);
      };
      s.on('data', (d) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) finish();
      });
      s.on('close', finish);
      s.on('error', () => undefined);
      s.setTimeout(10_000, () => {
        s.destroy();
        reject(new Error(`no reply; got ${JSON.stringify(text.slice(0, 80))}`));
      });
      s.write(
        [
          'GET /mqtt HTTP/1.1',
          'Host: 127.0.0.1',
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Protocol: mqtt',
          ...extra,
          '',
          '',
        ].join('\r\n'),
      );
    });
  }

  test('an upgrade with 2000 headers gets 431 and no crash; a normal WebSocket client still connects', async () => {
    const broker = await startTestBroker({ wsMaxHeaderBytes: 8192 });
    try {
      const headers = Array.from({ length: 2000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(8)}`);
      const reply = await rawUpgrade(broker.ports['mqtt-ws'], headers);
      assert.match(reply, /^HTTP\/1\.1 431 /);
      const metrics = (await httpGet(broker.ports.http, '/metrics')).text;
      assert.equal(metricValue(metrics, 'rulemq_limit_hits_total', 'limit="ws_header"'), 1);
      const c = await connectClient(`ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, { clientId: 'ws-after-flood' });
      assert.equal(c.connected, true);
      await endAll(c);
    } finally {
      await broker.close(1000);
    }
  });

  test('2000 tiny headers inside the byte limit are cut at 100 and the upgrade still works', async () => {
    const broker = await startTestBroker({ wsMaxHeaderBytes: 65536 });
    try {
      // Node keeps the first 100 header lines (maxHeadersCount); the upgrade headers come first.
      const reply = await rawUpgrade(
        broker.ports['mqtt-ws'],
        Array.from({ length: 2000 }, (_, i) => `x${i}: 1`),
      );
      assert.match(reply, /^HTTP\/1\.1 101 Switching Protocols/);
      const c = await connectClient(`ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, { clientId: 'ws-after-many-headers' });
      assert.equal(c.connected, true);
      await endAll(c);
    } finally {
      await broker.close(1000);
    }
  });
});
