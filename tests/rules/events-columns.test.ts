import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AedesPublishPacket, Client, ConnectPacket } from 'aedes';
import { EVENTS } from '../../rules/events/index.js';
import type { LiveEvent } from '../../rules/events/types.js';
import { recordConnect } from '../../rules/client-info.js';

const DOCS = new URL('../../../docs/rules.md', import.meta.url);

/** A live event with every part filled, from an MQTT 5 client, so each descriptor finds what it reads. */
function fullEvent(): LiveEvent {
  const client = { id: 'dev1', conn: { remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 1883 } } as unknown as Client;
  const info = recordConnect(client, {
    cmd: 'connect',
    clientId: 'dev1',
    protocolId: 'MQTT',
    protocolVersion: 5,
    keepalive: 30,
    clean: true,
    username: 'u',
    properties: { sessionExpiryInterval: 60, receiveMaximum: 10, userProperties: { site: 'a' } },
  } as unknown as ConnectPacket);
  const packet = {
    cmd: 'publish',
    topic: 't/1',
    payload: Buffer.from('{}'),
    qos: 1,
    retain: false,
    dup: false,
    clientId: 'pub',
    properties: { contentType: 'json' },
  } as unknown as AedesPublishPacket;
  return {
    clientid: 'dev1',
    info,
    node: 'n@h',
    now: 1,
    message: { id: 'ID', packet },
    subscription: { topic: 't/#', qos: 1 },
    reason: 'normal',
    reasonCode: 'success',
    authz: { topic: 't/1', action: 'publish', source: 'file', result: 'allow' },
    authn: { isSuperuser: false, isAnonymous: false },
    pubackProps: {},
  };
}

for (const event of EVENTS) {
  test(`${event.eventType}: a live event has exactly the columns its descriptor declares`, () => {
    const columns = event.live(fullEvent());
    assert.deepEqual(Object.keys(columns).sort(), [...event.columns].sort());
    assert.equal(columns.event, event.eventName);
  });
}

test('docs/rules.md lists every event with exactly the columns its descriptor declares', () => {
  const docs = readFileSync(DOCS, 'utf8');
  for (const event of EVENTS) {
    const name = event.topic ?? 'message.publish (topic filters)';
    const row = docs.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(row, `docs/rules.md has a row for ${name}`);
    const listed = row
      .split('|')[2]
      .split(',')
      .map((c) => c.trim().replace(/`/g, ''));
    assert.deepEqual(listed.sort(), [...event.columns].sort(), name);
  }
});

test('MQTT 5 properties reach conn_props, pub_props and the client columns under EMQX names', () => {
  const e = fullEvent();
  const connected = EVENTS.find((d) => d.eventType === 'client_connected')!.live(e);
  assert.deepEqual(connected.conn_props, {
    'Session-Expiry-Interval': 60,
    'Receive-Maximum': 10,
    'User-Property': { site: 'a' },
    'User-Property-Pairs': [{ key: 'site', value: 'a' }],
  });
  assert.equal(connected.expiry_interval, 60);
  assert.equal(connected.receive_maximum, 10);
  assert.equal(connected.proto_ver, 5);
  const published = EVENTS.find((d) => d.eventType === 'message_publish')!.live(e);
  assert.deepEqual(published.pub_props, { 'Content-Type': 'json' });
});
