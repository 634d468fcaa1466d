import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestBroker } from '../support/broker.js';
import { makeTestCerts } from '../support/certs.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { rawConnect } from '../support/raw.js';
import type { RunningBroker } from '../../broker/index.js';

describe('TLS with client certificate verification', () => {
  const certs = makeTestCerts();
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker({
      tlsCert: certs.serverCert,
      tlsKey: certs.serverKey,
      tlsCa: certs.caCert,
      tlsVerifyClient: true,
      tlsHandshakeTimeoutMs: 300,
    });
  });
  after(async () => broker.close(1000));

  test('accepts a client presenting a certificate signed by the CA', async () => {
    const c = await connectClient(`mqtts://127.0.0.1:${broker.ports['mqtt-tls']}`, {
      ca: certs.ca,
      cert: readFileSync(certs.clientCert),
      key: readFileSync(certs.clientKey),
      clientId: 'tls-cert-ok',
    });
    assert.equal(c.connected, true);
    await endAll(c);
  });

  test('refuses a client without a certificate', async () => {
    await assert.rejects(connectClient(`mqtts://127.0.0.1:${broker.ports['mqtt-tls']}`, { ca: certs.ca, clientId: 'tls-no-cert' }));
  });

  test('closes a socket that never finishes the TLS handshake after tlsHandshakeTimeoutMs', async () => {
    const c = await rawConnect(broker.ports['mqtt-tls']);
    const started = Date.now();
    await c.closed(5000);
    assert.ok(Date.now() - started < 4000);
  });
});
