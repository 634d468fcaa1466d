import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker } from '../support/broker.js';
import { makeTestCerts } from '../support/certs.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';
import { HOSTILE_CASES, type HostileCase } from './hostile/cases.js';
import { openSession, type TransportName } from './support/session.js';
import { CONNACK_OK, PINGREQ, connect } from '../support/wire.js';

const certs = makeTestCerts();
let broker: RunningBroker;

before(async () => {
  // No connect-rate limit here: the table opens a few hundred connections back to back.
  broker = await startTestBroker({ tlsCert: certs.serverCert, tlsKey: certs.serverKey, maxConnectRate: 0 });
});
after(async () => broker.close(1000));

async function runCase(c: HostileCase, transport: TransportName, clientId: string): Promise<void> {
  const s = await openSession(broker, transport, { ca: certs.ca });
  try {
    if (c.connect !== false) {
      s.write(connect(clientId));
      assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'), 'CONNACK to the valid CONNECT');
    }
    for (const step of c.steps) {
      if ('send' in step) s.write(step.send);
      else assert.equal((await s.read(step.expect.length, 5000)).toString('hex'), step.expect.toString('hex'));
    }
    if (c.end === 'closed') {
      assert.equal(await s.waitClosed(5000), true, 'the broker must close the connection');
      assert.equal(s.pending().toString('hex'), '', 'nothing else may be sent before the close');
    } else {
      assert.equal(s.closed, false, 'the connection must stay open');
      s.write(PINGREQ);
      assert.equal((await s.read(2, 5000)).toString('hex'), 'd000', 'PINGRESP on the still-open connection');
      assert.equal(s.pending().toString('hex'), '', 'no unexpected bytes');
    }
  } finally {
    s.destroy();
  }
  // After every hostile case the broker still accepts and serves a new client.
  const healthy = await openSession(broker, transport, { ca: certs.ca });
  try {
    healthy.write(connect(`${clientId}-after`));
    assert.equal((await healthy.read(4)).toString('hex'), CONNACK_OK.toString('hex'), 'a normal client after the hostile case');
  } finally {
    healthy.destroy();
  }
}

test('the hostile table has at least 100 cases, each naming the rule it checks', () => {
  assert.ok(HOSTILE_CASES.length >= 100, `${HOSTILE_CASES.length} cases`);
  for (const c of HOSTILE_CASES) assert.ok(c.spec.length > 0 && c.steps.length > 0, c.name);
  assert.equal(new Set(HOSTILE_CASES.map((c) => c.name)).size, HOSTILE_CASES.length, 'case names are unique');
});

for (const transport of ['tcp', 'tls', 'ws'] as const) {
  describe(`hostile packet sequences over ${transport}`, () => {
    HOSTILE_CASES.forEach((c, i) => {
      test(`${c.name} [${c.spec}]`, () => runCase(c, transport, `hx-${transport}-${i}`));
    });

    test(`an MQTT.js client still publishes and receives over ${transport} after the whole table`, async () => {
      const url =
        transport === 'ws'
          ? `ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`
          : transport === 'tls'
            ? `mqtts://127.0.0.1:${broker.ports['mqtt-tls']}`
            : `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const c = await connectClient(url, { clientId: `after-table-${transport}`, ca: certs.ca });
      try {
        await c.subscribeAsync('after/table', { qos: 1 });
        const got = nextMessages(c);
        await c.publishAsync('after/table', 'still here', { qos: 1 });
        assert.equal((await got)[0].payload, 'still here');
      } finally {
        await endAll(c);
      }
    });
  });
}
