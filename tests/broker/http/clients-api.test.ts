import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet } from '../../support/broker.js';
import { connectClient, endAll } from '../../support/mqtt.js';
import { eventually, startRulesBroker, type RulesBroker } from '../../support/rules-broker.js';
import type { MqttClient } from 'mqtt';

interface ClientRow {
  clientid: string;
  username: string | null;
  ip_address: string;
  port: number;
  proto_ver: number;
  connected_at: string;
  subscriptions_cnt: number;
  subscriptions: { topic: string; qos: number }[];
}

describe('HTTP: /api/v5/clients (EMQX shapes) and /api/v5/stats, /api/v5/metrics', () => {
  let rb: RulesBroker;
  let broker: RulesBroker['broker'];
  let url: string;
  let clients: MqttClient[] = [];
  const get = async (path: string) => {
    const res = await httpGet(broker.ports.http, path);
    return { status: res.status, json: res.text ? JSON.parse(res.text) : undefined };
  };
  before(async () => {
    // With the rule engine, as the CLI runs it: it records each client's user name at CONNECT.
    rb = await startRulesBroker('CREATE RULE echo AS SELECT payload FROM "t/#" INTO console;');
    broker = rb.broker;
    url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
    clients = [
      await connectClient(url, { clientId: 'dev-a1', username: 'alice' }),
      await connectClient(url, { clientId: 'dev-a2', protocolId: 'MQIsdp', protocolVersion: 3 }),
      await connectClient(url, { clientId: 'probe/b', username: 'bob' }),
    ];
    await clients[0].subscribeAsync('s/+/temp', { qos: 1 });
  });
  after(async () => {
    await endAll(...clients);
    await rb.close();
  });

  test('lists connected clients with address, protocol, connect time and subscriptions', async () => {
    const res = await get('/api/v5/clients');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.meta, { page: 1, limit: 100, count: 3, hasnext: false });
    const rows = res.json.data as ClientRow[];
    assert.deepEqual(
      rows.map((c) => c.clientid),
      ['dev-a1', 'dev-a2', 'probe/b'],
    );
    const a1 = rows[0];
    assert.equal(a1.username, 'alice');
    assert.equal(rows[1].username, null);
    assert.equal(a1.ip_address, '127.0.0.1');
    assert.ok(a1.port > 0);
    assert.equal(a1.proto_ver, 4);
    assert.equal(rows[1].proto_ver, 3);
    assert.ok(Math.abs(Date.parse(a1.connected_at) - Date.now()) < 60_000, a1.connected_at);
    assert.deepEqual(a1.subscriptions, [{ topic: 's/+/temp', qos: 1 }]);
    assert.equal(a1.subscriptions_cnt, 1);
  });

  test('filters by like_clientid, clientid and proto_ver, and pages with page and limit', async () => {
    assert.deepEqual(
      (await get('/api/v5/clients?like_clientid=dev-')).json.data.map((c: ClientRow) => c.clientid),
      ['dev-a1', 'dev-a2'],
    );
    assert.deepEqual(
      (await get('/api/v5/clients?clientid=probe%2Fb')).json.data.map((c: ClientRow) => c.clientid),
      ['probe/b'],
    );
    assert.deepEqual(
      (await get('/api/v5/clients?proto_ver=3')).json.data.map((c: ClientRow) => c.clientid),
      ['dev-a2'],
    );
    assert.deepEqual(
      (await get('/api/v5/clients?like_username=lic')).json.data.map((c: ClientRow) => c.clientid),
      ['dev-a1'],
    );
    assert.deepEqual(
      (await get('/api/v5/clients?username=bob')).json.data.map((c: ClientRow) => c.clientid),
      ['probe/b'],
    );
    assert.equal((await get('/api/v5/clients?ip_address=127.0.0.1')).json.meta.count, 3);
    assert.equal((await get('/api/v5/clients?ip_address=10.0.0.1')).json.meta.count, 0);
    const page2 = await get('/api/v5/clients?limit=2&page=2');
    assert.deepEqual(
      page2.json.data.map((c: ClientRow) => c.clientid),
      ['probe/b'],
    );
    assert.deepEqual(page2.json.meta, { page: 2, limit: 2, count: 3, hasnext: false });
    assert.equal((await get('/api/v5/clients?limit=2')).json.meta.hasnext, true);
  });

  test('a bad page or limit is a 400 naming the parameter', async () => {
    const res = await get('/api/v5/clients?limit=0');
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'BAD_REQUEST');
    assert.match(res.json.message, /limit must be an integer from 1 to/);
    assert.match((await get('/api/v5/clients?page=x')).json.message, /page must be/);
  });

  test('one client and its subscriptions by (URL-encoded) id; an unknown id is CLIENTID_NOT_FOUND', async () => {
    const one = await get('/api/v5/clients/dev-a1');
    assert.equal(one.json.clientid, 'dev-a1');
    const subs = await get('/api/v5/clients/dev-a1/subscriptions');
    assert.equal(subs.json[0].topic, 's/+/temp');
    assert.equal((await get('/api/v5/clients/probe%2Fb')).json.clientid, 'probe/b');
    const missing = await get('/api/v5/clients/nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 'CLIENTID_NOT_FOUND');
    assert.equal((await get('/api/v5/clients/__proto__')).status, 404);
  });

  test('DELETE kicks the client out (204) and leaves the others; a second DELETE is 404', async () => {
    const victim = clients[2];
    const closed = new Promise<void>((r) => victim.once('close', () => r()));
    const res = await fetch(`http://127.0.0.1:${broker.ports.http}/api/v5/clients/probe%2Fb`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    await closed;
    assert.equal(clients[0].connected, true);
    const again = await fetch(`http://127.0.0.1:${broker.ports.http}/api/v5/clients/probe%2Fb`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal((await get('/api/v5/clients')).json.meta.count, 2);
  });

  test('stats and metrics count connections, subscriptions and messages, per node or aggregated', async () => {
    const before = (await get('/api/v5/metrics?aggregate=true')).json;
    await clients[1].publishAsync('m/x', 'one', { qos: 1 });
    await clients[1].publishAsync('m/x', 'two', { qos: 0 });
    // A QoS 0 publish resolves once written to the socket: wait for the broker to have read it.
    let after: Record<string, number> = {};
    await eventually(
      async () => {
        after = (await get('/api/v5/metrics?aggregate=true')).json;
        return after['messages.received'] - before['messages.received'] >= 2;
      },
      3000,
      'both publishes counted',
    );
    assert.equal(after['messages.received'] - before['messages.received'], 2);
    assert.equal(after['messages.qos1.received'] - before['messages.qos1.received'], 1);
    assert.ok(after['bytes.received'] > before['bytes.received']);
    const stats = await get('/api/v5/stats');
    assert.equal(stats.json.length, 1);
    assert.equal(typeof stats.json[0].node, 'string');
    assert.equal(stats.json[0]['connections.count'], 2);
    assert.equal(stats.json[0]['subscriptions.count'], 1);
  });
});
