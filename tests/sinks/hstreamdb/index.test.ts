import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hstreamdbSinkType } from '../../../sinks/hstreamdb/index.js';
import { HStreamTestServer, assertInvariant, sendAll } from '../../support/hstream-server.js';
import type { HStreamAction } from '../../../sinks/hstreamdb/sink.js';

test('the registry sink type parses settings, builds connector and action, and wires logger and metrics', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream('temp_hum', 2);
  const logs: unknown[] = [];
  const batchSizes: number[] = [];
  const logger = { info: (o: unknown) => logs.push(o), warn: () => {}, error: () => {}, debug: () => {} };
  const deps = { logger, metricsFor: () => ({ observeAppendSeconds: () => {}, observeBatchSize: (n: number) => batchSizes.push(n) }) };
  const t = hstreamdbSinkType;
  const connector = t.createConnector('hs', t.parseConnector({ url: `hstream://${server.address}` }), deps);
  const config = t.parseAction({ connector: 'hs', stream: 'temp_hum', batch_interval: '5ms', ack_mode: 'sink', record_template: '{"v": ${v}}' });
  const action = t.createAction('a1', config, connector, deps) as HStreamAction;
  try {
    assert.equal(t.type, 'hstreamdb');
    assert.equal(t.needsConnector, true);
    assert.equal(t.actionTarget?.(config), 'temp_hum');
    assert.equal(connector.name, 'hs');
    assert.equal(action.type, 'hstreamdb');
    assert.ok(
      logs.some((l) => JSON.stringify(l).includes('a1')),
      'the ack_mode note is logged',
    );
    await action.start();
    assert.deepEqual(await sendAll(action, [{ v: 1 }, { v: 2 }]), [null, null]);
    assert.deepEqual(
      server
        .records('temp_hum')
        .map((r) => r.value)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [{ v: 1 }, { v: 2 }],
    );
    assert.equal(
      batchSizes.reduce((a, b) => a + b, 0),
      2,
    );
    assert.deepEqual(await connector.test('temp_hum'), {
      ok: true,
      message: `connected to ${server.address}; stream 'temp_hum' has 2 active shard(s)`,
      shardCount: 2,
    });
    assert.equal(connector.status(), 'connected');
    assertInvariant(action.stats());
    assert.throws(() => t.createAction('x', config, null, deps), /not an hstreamdb connector/);
  } finally {
    await action.close(100);
    await connector.close();
    await server.stop();
  }
});
