import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, httpGet, metricValue } from '../../support/broker.js';
import { connectClient, endAll, nextMessages, recordMessages } from '../../support/mqtt.js';
import { eventually } from '../../support/rules-broker.js';
import type { RunningBroker } from '../../../broker/index.js';
import { openSession } from '../../security/support/session.js';
import { CONNACK_OK, PINGREQ, PINGRESP, connect, subscribe, unsubscribe } from '../../support/wire.js';

/** SUBSCRIBE over a raw connection; resolves with the SUBACK return codes, and checks the connection stays up. */
async function subscribeRaw(broker: RunningBroker, clientId: string, filters: string[]): Promise<number[]> {
  const s = await openSession(broker, 'tcp');
  try {
    s.write(connect(clientId));
    assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
    s.write(subscribe(7, ...filters.map((f): [string, 1] => [f, 1])));
    const head = await s.read(2);
    assert.equal(head[0], 0x90, 'SUBACK');
    const body = await s.read(head[1]);
    assert.equal(body.readUInt16BE(0), 7);
    s.write(PINGREQ);
    assert.equal((await s.read(2)).toString('hex'), PINGRESP.toString('hex'), 'the connection is still up');
    return [...body.subarray(2)];
  } finally {
    s.destroy();
  }
}

describe('malformed shared subscription filters', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => broker.close(1000));

  test('each malformed share filter gets SUBACK 0x80 on its own; valid filters of the same SUBSCRIBE are granted', async () => {
    const bad = ['$share/g+/x', '$share/#/x', '$share/+/x', '$share//x', '$share/g', '$share/g/', '$share/g/a+b', '$share/g/a/#/b', '$queue/'];
    const codes = await subscribeRaw(broker, 'malformed-1', ['ok/1', ...bad, '$share/g/ok/#']);
    assert.deepEqual(codes, [1, ...bad.map(() => 0x80), 1]);
    const refused = metricValue((await httpGet(broker.ports.http, '/metrics')).text, 'rulemq_shared_refused_total');
    assert.equal(refused, bad.length);
  });

  test('the same misplaced wildcard outside a share filter is still a protocol error (connection closed)', async () => {
    const s = await openSession(broker, 'tcp');
    s.write(connect('malformed-2'));
    assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
    s.write(subscribe(1, ['a/g+/x', 0])); // [MQTT-4.7.1-3]
    assert.equal(await s.waitClosed(), true);
  });

  test('UNSUBSCRIBE of a malformed share filter stays a protocol error', async () => {
    const s = await openSession(broker, 'tcp');
    s.write(connect('malformed-3'));
    assert.equal((await s.read(4)).toString('hex'), CONNACK_OK.toString('hex'));
    s.write(unsubscribe(1, '$share/g+/x'));
    assert.equal(await s.waitClosed(), true);
  });

  test('a publish to a topic name starting with $share/ reaches no shared member', async () => {
    const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
    const member = await connectClient(url, { clientId: 'lit-member' });
    const pub = await connectClient(url, { clientId: 'lit-pub' });
    try {
      await member.subscribeAsync('$share/lit/lit/t');
      const got = nextMessages(member, 1);
      await pub.publishAsync('$share/lit/lit/t', 'literal', { qos: 1 });
      await pub.publishAsync('lit/t', 'real', { qos: 1 });
      assert.deepEqual(
        (await got).map((m) => [m.topic, m.payload]),
        [['lit/t', 'real']],
      );
    } finally {
      await endAll(member, pub);
    }
  });
});

describe('ACL on shared subscriptions', () => {
  let broker: RunningBroker;
  let url: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-shared-acl-'));
    const aclFile = join(dir, 'acl');
    writeFileSync(aclFile, 'topic read jobs/#\ntopic write jobs/#\ntopic deny jobs/secret\npattern deny jobs/hidden-from-%c\n');
    broker = await startTestBroker({ aclFile });
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  });
  after(async () => broker.close(1000));

  test('the ACL decides on the filter inside $share/<group>/ and $queue/', async () => {
    assert.deepEqual(
      await subscribeRaw(broker, 'acl-1', ['$share/g/jobs/#', '$share/g/other/#', '$queue/jobs/a', '$queue/other', '$share/g/jobs/secret']),
      [1, 0x80, 1, 0x80, 0x80],
    );
  });

  test('a member only receives topics it may read, even through a wide grant', async () => {
    const member = await connectClient(url, { clientId: 'acl-member' });
    const pub = await connectClient(url, { clientId: 'acl-pub' });
    try {
      assert.deepEqual(await member.subscribeAsync('$share/g/jobs/+'), [{ topic: '$share/g/jobs/+', qos: 0 }]);
      const got = nextMessages(member, 1);
      await pub.publishAsync('jobs/secret', 'hidden', { qos: 1 });
      await pub.publishAsync('jobs/open', 'visible', { qos: 1 });
      assert.deepEqual(
        (await got).map((m) => m.payload),
        ['visible'],
      );
    } finally {
      await endAll(member, pub);
    }
  });

  test('a message the picked member may not read goes to a member that may', async () => {
    const x = await connectClient(url, { clientId: 'acl-x' });
    const y = await connectClient(url, { clientId: 'acl-y' });
    const pub = await connectClient(url, { clientId: 'acl-pub-2' });
    try {
      const gx = recordMessages(x);
      const gy = recordMessages(y);
      await x.subscribeAsync('$share/h/jobs/#', { qos: 1 });
      await y.subscribeAsync('$share/h/jobs/#', { qos: 1 });
      const before = metricValue((await httpGet(broker.ports.http, '/metrics')).text, 'rulemq_shared_member_refusals_total');
      // Round robin would give acl-x half of these; acl-x may not read them.
      for (let i = 0; i < 4; i++) await pub.publishAsync('jobs/hidden-from-acl-x', `h${i}`, { qos: (i % 2) as 0 | 1 });
      await eventually(() => gy.length === 4, 5000, 'acl-y got all four');
      assert.equal(gx.length, 0);
      const after = metricValue((await httpGet(broker.ports.http, '/metrics')).text, 'rulemq_shared_member_refusals_total');
      assert.equal(after - before, 2, 'acl-x was picked twice and refused both');
    } finally {
      await endAll(x, y, pub);
    }
  });
});
