import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';

const run = promisify(execFile);

/** MQTT 5 properties reach rules under EMQX's names, and a rule's republish sets them. */
const rules = (port: number) => `
CREATE CONNECTOR hstream TYPE hstreamdb WITH (url = 'hstream://127.0.0.1:${port}');
CREATE ACTION to_sites TYPE hstreamdb WITH (
  connector = 'hstream',
  stream = 'sites',
  partition_key = '\${client_id}',
  record_template = '{"client_id": \${client_id}, "site": \${site}, "temp": \${temp}}',
  batch_interval = '20ms'
);
CREATE RULE by_site AS
  SELECT clientid as client_id, pub_props.'User-Property'.site as site, payload.temp as temp
  FROM "temp_hum/emqx"
  INTO to_sites;
CREATE RULE connected AS
  SELECT clientid, proto_ver, expiry_interval, receive_maximum, conn_props.'User-Property'.app as app
  FROM "$events/client_connected" WHERE clientid = 'v5-dev'
  INTO republish(topic = 'ev/connected', payload = '\${clientid}|\${proto_ver}|\${expiry_interval}|\${receive_maximum}|\${app}');
CREATE RULE subscribed AS
  SELECT topic, sub_props.'User-Property'.why as why FROM "$events/session_subscribed" WHERE clientid = 'v5-dev'
  INTO republish(topic = 'ev/subscribed', payload = '\${topic}|\${why}');
CREATE RULE disconnected AS
  SELECT reason, disconn_props.'User-Property'.bye as bye FROM "$events/client_disconnected" WHERE clientid = 'v5-dev'
  INTO republish(topic = 'ev/disconnected', payload = '\${reason}|\${bye}');
CREATE RULE forward AS
  SELECT payload, pub_props.'User-Property' as user_properties, pub_props.'Content-Type' as ct FROM "fwd/in"
  INTO republish(topic = 'fwd/out', content_type = '\${ct}', message_expiry_interval = 60, response_topic = 'fwd/reply');
`;

describe('MQTT 5 properties in rules, end to end', () => {
  let server: HStreamTestServer;
  let rb: RulesBroker;
  before(async () => {
    server = new HStreamTestServer();
    const port = await server.start();
    server.createStream('sites', 1);
    rb = await startRulesBroker(rules(port));
  });
  after(async () => {
    await rb.close();
    await server.stop();
  });

  test("a rule selecting pub_props.'User-Property'.site writes it into the HStreamDB record (MQTT.js v5 and mosquitto_pub -V mqttv5)", async () => {
    const dev = await connectClient(rb.mqttUrl, { clientId: 'site-v5', protocolVersion: 5 });
    try {
      await dev.publishAsync('temp_hum/emqx', '{"temp": "27.5", "hum": "41.8"}', { qos: 1, properties: { userProperties: { site: 'berlin' } } });
      await run('mosquitto_pub', [
        '-V',
        'mqttv5',
        '-p',
        new URL(rb.mqttUrl).port,
        '-h',
        '127.0.0.1',
        '-i',
        'site-mosq',
        '-q',
        '1',
        '-t',
        'temp_hum/emqx',
        '-m',
        '{"temp": "20.1"}',
        '-D',
        'publish',
        'user-property',
        'site',
        'lab',
      ]);
      const records = await server.waitForRecords('sites', 2);
      const byClient = Object.fromEntries(records.map((r) => [r.key, r.value]));
      assert.deepEqual(byClient['site-v5'], { client_id: 'site-v5', site: 'berlin', temp: '27.5' });
      assert.deepEqual(byClient['site-mosq'], { client_id: 'site-mosq', site: 'lab', temp: '20.1' });
      assert.equal(server.invalidRecords, 0);
    } finally {
      await endAll(dev);
    }
  });

  test('conn_props, sub_props, disconn_props and the DISCONNECT reason reach $events rules', async () => {
    const watcher = await connectClient(rb.mqttUrl, { clientId: 'v5-watcher' });
    try {
      await watcher.subscribeAsync('ev/#', { qos: 0 });
      const connected = nextMessages(watcher, 1);
      const dev = await connectClient(rb.mqttUrl, {
        clientId: 'v5-dev',
        protocolVersion: 5,
        clean: true,
        properties: { sessionExpiryInterval: 120, receiveMaximum: 20, userProperties: { app: 'meter' } },
      });
      assert.equal((await connected)[0].payload.toString(), 'v5-dev|5|120|20|meter');
      const subscribed = nextMessages(watcher, 1);
      await dev.subscribeAsync('v5/t', { qos: 1, properties: { userProperties: { why: 'alerts' } } });
      assert.equal((await subscribed)[0].payload.toString(), 'v5/t|alerts');
      const gone = nextMessages(watcher, 1);
      // 0x04: disconnect with will message; EMQX names the reason after the code.
      await dev.endAsync(false, { reasonCode: 0x04, properties: { userProperties: { bye: 'later' } } });
      assert.equal((await gone)[0].payload.toString(), 'disconnect_with_will_message|later');
    } finally {
      await endAll(watcher);
    }
  });

  test('republish carries user properties and the MQTT 5 properties set from templates to a v5 subscriber', async () => {
    const sub = await connectClient(rb.mqttUrl, { clientId: 'fwd-sub', protocolVersion: 5 });
    const pub = await connectClient(rb.mqttUrl, { clientId: 'fwd-pub', protocolVersion: 5 });
    try {
      await sub.subscribeAsync('fwd/out', { qos: 0 });
      const got = new Promise<{ payload: string; properties: Record<string, unknown> }>((resolve) =>
        sub.once('message', (_t, payload, packet) =>
          resolve({ payload: payload.toString(), properties: (packet.properties ?? {}) as Record<string, unknown> }),
        ),
      );
      await pub.publishAsync('fwd/in', 'hello', { qos: 0, properties: { contentType: 'text/plain', userProperties: { a: '1', b: '2' } } });
      const m = await got;
      assert.equal(m.payload, 'hello');
      assert.deepEqual({ ...(m.properties.userProperties as object) }, { a: '1', b: '2' });
      assert.equal(m.properties.contentType, 'text/plain');
      assert.equal(m.properties.responseTopic, 'fwd/reply');
      assert.ok(typeof m.properties.messageExpiryInterval === 'number' && m.properties.messageExpiryInterval <= 60);
    } finally {
      await endAll(sub, pub);
    }
  });
});
