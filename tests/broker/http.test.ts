import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBroker, httpGet, metricValue } from '../support/broker.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import type { RunningBroker } from '../../broker/index.js';

describe('HTTP: health, readiness and metrics', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => broker.close(1000));

  test('/healthz answers 200 and /readyz 200 once listeners are up', async () => {
    assert.equal((await httpGet(broker.ports.http, '/healthz')).status, 200);
    const ready = await httpGet(broker.ports.http, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { status: 'ready' });
  });

  test('unknown paths are 404 and wrong methods 405, as JSON', async () => {
    const res = await fetch(`http://127.0.0.1:${broker.ports.http}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'NOT_FOUND');
    const post = await fetch(`http://127.0.0.1:${broker.ports.http}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('a malformed %-escape in a route parameter is a 400 with a message, and the API keeps answering', async () => {
    const res = await fetch(`http://127.0.0.1:${broker.ports.http}/api/v5/clients/%ZZ`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'BAD_REQUEST');
    assert.match(body.message, /malformed %-escape/);
    assert.equal((await fetch(`http://127.0.0.1:${broker.ports.http}/api/v5/clients/ok`)).status, 404);
  });

  test('/metrics counters move when messages flow', async () => {
    const url = `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`;
    const before = (await httpGet(broker.ports.http, '/metrics')).text;
    const sub = await connectClient(url, { clientId: 'm-sub' });
    const pub = await connectClient(url, { clientId: 'm-pub' });
    try {
      await sub.subscribeAsync('m/#', { qos: 1 });
      const got = nextMessages(sub, 3);
      await pub.publishAsync('m/a', 'x0', { qos: 0 });
      await pub.publishAsync('m/a', 'x1', { qos: 1 });
      await pub.publishAsync('m/r', 'x2', { qos: 2, retain: true });
      await got;
      const after = (await httpGet(broker.ports.http, '/metrics')).text;
      for (const q of ['0', '1', '2']) {
        assert.equal(
          metricValue(after, 'rulemq_messages_received_total', `qos="${q}"`) - metricValue(before, 'rulemq_messages_received_total', `qos="${q}"`),
          1,
          `received qos ${q}`,
        );
        assert.equal(
          metricValue(after, 'rulemq_messages_sent_total', `qos="${q}"`) - metricValue(before, 'rulemq_messages_sent_total', `qos="${q}"`),
          1,
          `sent qos ${q}`,
        );
      }
      assert.equal(metricValue(after, 'rulemq_connections'), 2);
      assert.equal(metricValue(after, 'rulemq_subscriptions'), 1);
      assert.equal(metricValue(after, 'rulemq_retained_messages'), 1);
      assert.ok(metricValue(after, 'rulemq_received_bytes_total') > metricValue(before, 'rulemq_received_bytes_total'));
      assert.ok(metricValue(after, 'rulemq_sent_bytes_total') > 0);
      // prom-client's default metrics under their standard names, as stock Node.js dashboards expect.
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
        assert.match(after, new RegExp(`^${name} `, 'm'), `${name} is exported`);
      }
      assert.doesNotMatch(after, /^rulemq_(process|nodejs)_/m);
      // A single node (no Redis) names itself too.
      assert.match(after, new RegExp(`^rulemq_node_info\\{node="[^"]+",broker_id="${broker.broker.id}"\\} 1$`, 'm'));
    } finally {
      await endAll(sub, pub);
    }
  });

  test('/readyz answers 503 while draining', async () => {
    const other = await startTestBroker();
    const port = other.ports.http;
    // close() flips readiness before anything else; HTTP closes last.
    const closing = other.close(300);
    const res = await httpGet(port, '/readyz').catch(() => ({ status: 503, text: '' }));
    assert.equal(res.status, 503);
    await closing;
  });
});

describe('shutdown with clients connected', () => {
  test('close() disconnects connected clients and returns promptly instead of waiting for their keepalive', async () => {
    const other = await startTestBroker();
    const c = await connectClient(`mqtt://127.0.0.1:${other.ports['mqtt-tcp']}`, { clientId: 'stays-connected', keepalive: 60 });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const started = Date.now();
    await other.close(500);
    await closed;
    assert.ok(Date.now() - started < 10_000, `close took ${Date.now() - started} ms`);
    await endAll(c);
  });
});
