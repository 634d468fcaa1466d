import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startTestBroker, httpGet, metricValue } from '../../support/broker.js';
import { connectClient, endAll, nextMessages, recordMessages as record, withholdAcks } from '../../support/mqtt.js';
import { eventually } from '../../support/rules-broker.js';
import type { RunningBroker } from '../../../broker/index.js';

describe('shared subscriptions ($share/<group>/<filter>, $queue/<filter>) with MQTT 3.1.1 clients', () => {
  let broker: RunningBroker;
  let url: string;
  const clients: MqttClient[] = [];
  const client = async (clientId: string, opts: Parameters<typeof connectClient>[1] = {}) => {
    const c = await connectClient(url, { clientId, ...opts });
    clients.push(c);
    return c;
  };
  const metric = async (name: string, labels = '') => metricValue((await httpGet(broker.ports.http, '/metrics')).text, name, labels);

  before(async () => {
    broker = await startTestBroker();
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
  });
  after(async () => {
    await endAll(...clients);
    await broker.close(1000);
  });

  test('round robin gives each of three members a third of the messages, with the real topic; a plain subscriber gets all', async () => {
    const members = await Promise.all(['rr-a', 'rr-b', 'rr-c'].map((id) => client(id)));
    const got = members.map(record);
    for (const m of members) assert.deepEqual(await m.subscribeAsync('$share/workers/rr/+', { qos: 1 }), [{ topic: '$share/workers/rr/+', qos: 1 }]);
    const plain = await client('rr-plain');
    const all = record(plain);
    await plain.subscribeAsync('rr/+', { qos: 1 });
    const pub = await client('rr-pub');
    for (let i = 0; i < 30; i++) await pub.publishAsync(`rr/${i % 3}`, `m${i}`, { qos: 1 });
    await eventually(() => got.flat().length === 30 && all.length === 30, 5000, 'all 30 messages delivered');
    assert.deepEqual(
      got.map((g) => g.length),
      [10, 10, 10],
    );
    const payloads = got
      .flat()
      .map((m) => m.payload)
      .sort();
    assert.deepEqual(payloads, Array.from({ length: 30 }, (_, i) => `m${i}`).sort(), 'each message went to exactly one member');
    for (const m of got.flat()) assert.match(m.topic, /^rr\/[012]$/, 'members see the topic the message was published to');
    assert.ok(got.flat().every((m) => m.qos === 1));
    assert.ok((await metric('rulemq_shared_delivered_total')) >= 30);
  });

  test('a client in two groups gets one copy per group, and one more for its plain subscription', async () => {
    const both = await client('two-groups');
    const other = await client('two-groups-other');
    const mine = record(both);
    await both.subscribeAsync(['$share/g1/dup/x', '$share/g2/dup/x', 'dup/x'], { qos: 0 });
    await other.subscribeAsync('$share/g1/dup/x', { qos: 0 });
    const pub = await client('two-groups-pub');
    // Round robin over [other, two-groups] in g1: the first message goes to one, the second to the other.
    await pub.publishAsync('dup/x', 'one', { qos: 0 });
    await pub.publishAsync('dup/x', 'two', { qos: 0 });
    // Round robin in g1 goes by member order (client id here): 'one' to two-groups, 'two' to the other member.
    // two-groups: g1 'one', g2 'one' and 'two', the plain subscription 'one' and 'two'. Aedes alone would dedupe to 2.
    await eventually(() => mine.length === 5, 5000, 'five copies');
    assert.deepEqual(mine.map((m) => m.payload).sort(), ['one', 'one', 'one', 'two', 'two']);
  });

  test('retained messages are not sent on a shared subscribe', async () => {
    const pub = await client('ret-pub');
    await pub.publishAsync('ret/a', 'kept', { qos: 1, retain: true });
    const sub = await client('ret-sub');
    const got = record(sub);
    await sub.subscribeAsync('$share/r/ret/#', { qos: 1 });
    const plain = await client('ret-plain');
    const plainGot = nextMessages(plain, 1);
    await plain.subscribeAsync('ret/#');
    assert.deepEqual(
      (await plainGot).map((m) => [m.payload, m.retain]),
      [['kept', true]],
      'a plain subscriber does get the retained message',
    );
    await pub.publishAsync('ret/b', 'live', { qos: 1 });
    await eventually(() => got.length >= 1, 5000, 'the live message');
    assert.deepEqual(
      got.map((m) => m.payload),
      ['live'],
      'the first message a shared member sees is the live one',
    );
    await pub.publishAsync('ret/a', '', { qos: 1, retain: true });
  });

  test('$queue/<filter> is the group $queue: one member per message', async () => {
    const a = await client('q-a');
    const b = await client('q-b');
    const ga = record(a);
    const gb = record(b);
    await a.subscribeAsync('$queue/jobs/#', { qos: 1 });
    await b.subscribeAsync('$queue/jobs/#', { qos: 1 });
    assert.equal(broker.shared.members('$queue', 'jobs/#'), 2);
    const pub = await client('q-pub');
    for (let i = 0; i < 6; i++) await pub.publishAsync('jobs/run', `j${i}`, { qos: 1 });
    await eventually(() => ga.length + gb.length === 6, 5000, 'six jobs');
    assert.deepEqual([ga.length, gb.length], [3, 3]);
  });

  test('UNSUBSCRIBE from $share/<group>/<filter> leaves the group: the remaining member gets every message', async () => {
    const a = await client('un-a');
    const b = await client('un-b');
    const ga = record(a);
    const gb = record(b);
    await a.subscribeAsync('$share/un/un/t');
    await b.subscribeAsync('$share/un/un/t');
    await a.unsubscribeAsync('$share/un/un/t');
    assert.equal(broker.shared.members('un', 'un/t'), 1);
    const pub = await client('un-pub');
    for (let i = 0; i < 4; i++) await pub.publishAsync('un/t', `u${i}`, { qos: 1 });
    await eventually(() => gb.length === 4, 5000, 'four messages to the remaining member');
    assert.equal(ga.length, 0);
  });

  test('a QoS 1 message the member never acknowledged goes to another member when it disconnects', async () => {
    const silent = await client('redo-a', { clean: true });
    const unacked = withholdAcks(silent);
    const other = await client('redo-b');
    const got = record(other);
    await silent.subscribeAsync('$share/redo/redo/t', { qos: 1 });
    await other.subscribeAsync('$share/redo/redo/t', { qos: 1 });
    const before = await metric('rulemq_shared_redispatched_total');
    const pub = await client('redo-pub');
    await pub.publishAsync('redo/t', 'first', { qos: 1 }); // round robin: redo-a (sorted first)
    await eventually(() => unacked.length === 1, 5000, 'the silent member received the first message');
    assert.deepEqual(unacked, ['first']);
    assert.equal(got.length, 0);
    silent.stream.destroy(); // the connection drops without PUBACK
    await eventually(() => got.length === 1, 5000, 'the first message redelivered to the other member');
    assert.deepEqual(
      got.map((m) => [m.topic, m.payload, m.qos]),
      [['redo/t', 'first', 1]],
    );
    assert.equal((await metric('rulemq_shared_redispatched_total')) - before, 1);
  });

  test('subscribing again with another QoS keeps the member and its unacknowledged messages', async () => {
    const silent = await client('resub-a');
    const unacked = withholdAcks(silent);
    const other = await client('resub-b');
    const got = record(other);
    await silent.subscribeAsync('$share/rs/rs/t', { qos: 1 });
    await other.subscribeAsync('$share/rs/rs/t', { qos: 1 });
    const pub = await client('resub-pub');
    await pub.publishAsync('rs/t', 'm1', { qos: 1 }); // round robin: resub-a
    await eventually(() => unacked.length === 1, 5000, 'resub-a got m1');
    const before = await metric('rulemq_shared_redispatched_total');
    // Aedes handles a changed QoS as unsubscribe + subscribe; the SUBACK is never read by this client.
    silent.subscribe('$share/rs/rs/t', { qos: 0 });
    const member = () => broker.shared.table.get('rs\u0000rs/t')?.members.find((m) => m.clientId === 'resub-a');
    await eventually(() => member()?.qos === 0, 5000, 'the member now has QoS 0');
    await pub.publishAsync('rs/t', 'm2', { qos: 1 }); // round robin: resub-b
    await eventually(() => got.length === 1, 5000, 'resub-b got m2');
    assert.deepEqual(
      got.map((m) => m.payload),
      ['m2'],
      'm1 was not given to resub-b',
    );
    assert.equal((await metric('rulemq_shared_redispatched_total')) - before, 0);
    assert.equal(broker.shared.members('rs', 'rs/t'), 2);
  });

  test('an acknowledged QoS 1 message is not sent again when the member disconnects', async () => {
    const a = await client('acked-a');
    const b = await client('acked-b');
    const ga = record(a);
    const gb = record(b);
    await a.subscribeAsync('$share/acked/acked/t', { qos: 1 });
    await b.subscribeAsync('$share/acked/acked/t', { qos: 1 });
    const pub = await client('acked-pub');
    await pub.publishAsync('acked/t', 'x', { qos: 1 });
    await eventually(() => ga.length === 1, 5000, 'acked-a got it');
    const before = await metric('rulemq_shared_redispatched_total');
    await a.endAsync(); // waits for the PUBACK to be flushed
    await pub.publishAsync('acked/t', 'y', { qos: 1 });
    await eventually(() => gb.length >= 1, 5000, 'acked-b got the next one');
    assert.deepEqual(
      gb.map((m) => m.payload),
      ['y'],
    );
    assert.equal((await metric('rulemq_shared_redispatched_total')) - before, 0);
  });

  test('QoS 2 through a group arrives once at QoS 2, for clean and persistent members; a QoS 1 grant caps it', async () => {
    const clean = await client('q2-a');
    const persistent = await client('q2-b', { clean: false });
    const capped = await client('q2-c');
    const got = [clean, persistent, capped].map(record);
    await clean.subscribeAsync('$share/q2/q2/t', { qos: 2 });
    await persistent.subscribeAsync('$share/q2/q2/t', { qos: 2 });
    await capped.subscribeAsync('$share/q2/q2/t', { qos: 1 });
    const pub = await client('q2-pub');
    for (let i = 0; i < 6; i++) await pub.publishAsync('q2/t', `e${i}`, { qos: 2 });
    await eventually(() => got.flat().length === 6, 5000, 'six messages');
    assert.deepEqual(
      got.map((g) => g.map((m) => m.qos)),
      [
        [2, 2],
        [2, 2],
        [1, 1],
      ],
    );
    assert.deepEqual(
      got
        .flat()
        .map((m) => m.payload)
        .sort(),
      ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'],
    );
  });

  test('a persistent session rejoins its groups on reconnect, and does not get again what was redelivered to another member', async () => {
    const opts = { clean: false } as const;
    const silent = await client('ps-a', opts);
    const unacked = withholdAcks(silent);
    const other = await client('ps-b');
    const got = record(other);
    await silent.subscribeAsync('$share/ps/ps/t', { qos: 1 });
    await other.subscribeAsync('$share/ps/ps/t', { qos: 1 });
    const pub = await client('ps-pub');
    await pub.publishAsync('ps/t', 'm1', { qos: 1 });
    await eventually(() => unacked.length === 1, 5000, 'ps-a got m1');
    silent.stream.destroy();
    await eventually(() => got.length === 1, 5000, 'm1 redelivered to ps-b');
    assert.equal(broker.shared.members('ps', 'ps/t'), 1);

    const back = await client('ps-a', opts);
    const again = record(back);
    await eventually(() => broker.shared.members('ps', 'ps/t') === 2, 5000, 'the restored session rejoined the group');
    for (let i = 2; i <= 5; i++) await pub.publishAsync('ps/t', `m${i}`, { qos: 1 });
    await eventually(() => got.length + again.length === 5, 5000, 'm2..m5 delivered');
    assert.ok(!again.some((m) => m.payload === 'm1'), 'the session did not get m1 again');
    assert.deepEqual([...again, ...got].map((m) => m.payload).sort(), ['m1', 'm2', 'm3', 'm4', 'm5']);
    assert.equal(again.length, 2, 'round robin over the two members again');
  });
});

describe('shared subscription strategies other than round robin', () => {
  for (const [strategy, key] of [
    ['hash_clientid', 'publisher'],
    ['hash_topic', 'topic'],
  ] as const) {
    test(`${strategy}: every message of one ${key} goes to the same member`, async () => {
      const broker = await startTestBroker({ sharedSubscriptionStrategy: strategy });
      const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
      const members = await Promise.all(['h-a', 'h-b', 'h-c'].map((clientId) => connectClient(url, { clientId })));
      const pubs = await Promise.all(['h-p1', 'h-p2'].map((clientId) => connectClient(url, { clientId })));
      try {
        const got = members.map(record);
        for (const m of members) await m.subscribeAsync('$share/h/h/+', { qos: 1 });
        // Two publishers, two topics; each (publisher, topic) pair sends 5 messages.
        for (const [p, pub] of pubs.entries())
          for (const t of ['h/x', 'h/y']) for (let i = 0; i < 5; i++) await pub.publishAsync(t, `${p}:${t}:${i}`, { qos: 1 });
        await eventually(() => got.flat().length === 20, 5000, '20 messages');
        const owner = new Map<string, Set<number>>();
        got.forEach((msgs, member) => {
          for (const m of msgs) {
            const [p, t] = m.payload.split(':');
            const k = strategy === 'hash_clientid' ? p : t;
            if (!owner.has(k)) owner.set(k, new Set());
            owner.get(k)!.add(member);
          }
        });
        assert.equal(owner.size, 2);
        for (const [k, set] of owner) assert.equal(set.size, 1, `${key} ${k} went to one member only`);
      } finally {
        await endAll(...members, ...pubs);
        await broker.close(1000);
      }
    });
  }
});
