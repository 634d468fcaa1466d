import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRulesBroker, type RulesBroker } from '../../support/rules-broker.js';
import { connectClient, endAll, nextMessages } from '../../support/mqtt.js';

const RULES = `
CREATE RULE on_connect AS
  SELECT clientid, username, proto_ver, keepalive, clean_start, event FROM "$events/client_connected"
  INTO republish(topic = 'ev/connected', payload = '\${clientid}|\${username}|\${proto_ver}|\${keepalive}|\${clean_start}|\${event}');
CREATE RULE on_disconnect AS
  SELECT clientid, reason FROM "$events/client_disconnected" WHERE regex_match(clientid, '^ev-dev')
  INTO republish(topic = 'ev/disconnected', payload = '\${clientid}|\${reason}');
CREATE RULE on_sub AS
  SELECT clientid, topic, qos FROM "$events/session_subscribed" WHERE clientid = 'ev-dev'
  INTO republish(topic = 'ev/subscribed', payload = '\${clientid}|\${topic}|\${qos}');
CREATE RULE on_unsub AS
  SELECT topic FROM "$events/session_unsubscribed" WHERE clientid = 'ev-dev'
  INTO republish(topic = 'ev/unsubscribed', payload = '\${topic}');
CREATE RULE on_delivered AS
  SELECT from_clientid, clientid, topic, payload FROM "$events/message_delivered" WHERE topic = 'data/d'
  INTO republish(topic = 'ev/delivered', payload = '\${from_clientid}>\${clientid}:\${payload}');
CREATE RULE on_acked AS
  SELECT clientid, topic FROM "$events/message_acked" WHERE topic = 'data/d'
  INTO republish(topic = 'ev/acked', payload = '\${clientid}:\${topic}');
`;

describe('$events rules', () => {
  let rb: RulesBroker;
  before(async () => {
    rb = await startRulesBroker(RULES);
  });
  after(async () => rb.close());

  test('client_connected, session_subscribed/unsubscribed and client_disconnected fire with EMQX fields', async () => {
    const watcher = await connectClient(rb.mqttUrl, { clientId: 'ev-watcher' });
    try {
      await watcher.subscribeAsync('ev/#', { qos: 0 });
      const connected = nextMessages(watcher, 1);
      const dev = await connectClient(rb.mqttUrl, { clientId: 'ev-dev', username: 'alice', password: Buffer.from('pw'), keepalive: 42 });
      assert.equal((await connected)[0].payload, 'ev-dev|alice|4|42|true|client.connected');
      const sub = nextMessages(watcher, 1);
      await dev.subscribeAsync('x/+', { qos: 1 });
      assert.equal((await sub)[0].payload, 'ev-dev|x/+|1');
      const unsub = nextMessages(watcher, 1);
      await dev.unsubscribeAsync('x/+');
      assert.equal((await unsub)[0].payload, 'x/+');
      const gone = nextMessages(watcher, 1);
      await dev.endAsync();
      assert.equal((await gone)[0].payload, 'ev-dev|normal');
    } finally {
      await endAll(watcher);
    }
  });

  test('an abrupt close is reported as tcp_closed', async () => {
    const watcher = await connectClient(rb.mqttUrl, { clientId: 'ev-watcher-2' });
    try {
      await watcher.subscribeAsync('ev/disconnected', { qos: 0 });
      const dev = await connectClient(rb.mqttUrl, { clientId: 'ev-dev-abrupt' });
      const gone = nextMessages(watcher, 1);
      (dev as unknown as { stream: { destroy(): void } }).stream.destroy();
      assert.equal((await gone)[0].payload, 'ev-dev-abrupt|tcp_closed');
      await endAll(dev);
    } finally {
      await endAll(watcher);
    }
  });

  // Aedes reports the acked packet only for persistent sessions (clean session false): message_acked fires for those.
  test('message_delivered and message_acked fire for a QoS 1 delivery to a persistent session', async () => {
    const watcher = await connectClient(rb.mqttUrl, { clientId: 'ev-watcher-3' });
    const receiver = await connectClient(rb.mqttUrl, { clientId: 'receiver', clean: false });
    const sender = await connectClient(rb.mqttUrl, { clientId: 'sender' });
    try {
      await watcher.subscribeAsync('ev/delivered', { qos: 0 });
      await watcher.subscribeAsync('ev/acked', { qos: 0 });
      await receiver.subscribeAsync('data/d', { qos: 1 });
      const events = nextMessages(watcher, 2);
      await sender.publishAsync('data/d', 'hello', { qos: 1 });
      const got = (await events).map((m) => `${m.topic} ${m.payload}`).sort();
      assert.deepEqual(got, ['ev/acked receiver:data/d', 'ev/delivered sender>receiver:hello']);
    } finally {
      await endAll(watcher, receiver, sender);
    }
  });
});

describe('authorization and authentication events', () => {
  let rb: RulesBroker;
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-authz-ev-'));
  const aclFile = join(dir, 'acl');
  writeFileSync(aclFile, 'topic readwrite ok/#\ntopic read ev/#\n');
  before(async () => {
    rb = await startRulesBroker(
      `
CREATE RULE on_authz AS
  SELECT clientid, topic, action, authz_source, result FROM "$events/client_check_authz_complete" WHERE clientid = 'az-dev'
  INTO republish(topic = 'ev/authz', payload = '\${clientid}|\${topic}|\${action}|\${authz_source}|\${result}');
CREATE RULE on_authn AS
  SELECT clientid, reason_code, is_anonymous FROM "$events/client_check_authn_complete" WHERE clientid = 'az-dev'
  INTO republish(topic = 'ev/authn', payload = '\${clientid}|\${reason_code}|\${is_anonymous}');
`,
      { flags: { aclFile } },
    );
  });
  after(async () => rb.close());

  test('client_check_authn_complete and client_check_authz_complete fire for CONNECT, PUBLISH and SUBSCRIBE, allowed and denied', async () => {
    const watcher = await connectClient(rb.mqttUrl, { clientId: 'az-watcher' });
    try {
      await watcher.subscribeAsync('ev/#', { qos: 0 });
      const authn = nextMessages(watcher, 1);
      const dev = await connectClient(rb.mqttUrl, { clientId: 'az-dev' });
      assert.equal((await authn)[0].payload, 'az-dev|success|true');
      const authz = nextMessages(watcher, 4);
      await dev.subscribeAsync('ok/x', { qos: 0 });
      await assert.rejects(dev.subscribeAsync('secret/x', { qos: 0 }), /Subscribe error/); // SUBACK 0x80
      await dev.publishAsync('ok/x', 'a', { qos: 1 });
      await dev.publishAsync('secret/x', 'b', { qos: 1 });
      assert.deepEqual((await authz).map((m) => m.payload).sort(), [
        'az-dev|ok/x|publish|file|allow',
        'az-dev|ok/x|subscribe|file|allow',
        'az-dev|secret/x|publish|file|deny',
        'az-dev|secret/x|subscribe|file|deny',
      ]);
      await endAll(dev);
    } finally {
      await endAll(watcher);
    }
  });
});
