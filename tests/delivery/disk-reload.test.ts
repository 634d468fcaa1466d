import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HStreamTestServer } from '../support/hstream-server.js';
import { eventually } from '../support/rules-broker.js';
import type { HStreamAction } from '../../sinks/hstreamdb/sink.js';
import { SeqDevice } from './device.js';
import { STREAM, account, assertStatsInvariant, deliveryRules, settled, startDeliveryBroker } from './support.js';

test('a reload that changes a disk-mode action hands its buffer over: the new action writes what the old one held', async () => {
  const server = new HStreamTestServer();
  await server.start();
  server.createStream(STREAM, 1);
  await server.stop();
  const dir = join(mkdtempSync(join(tmpdir(), 'rulemq-reload-')), 'buffer');
  const disk = { buffer_mode: "'disk'", buffer_dir: `'${dir}'` };
  const rb = await startDeliveryBroker({ port: server.port, action: disk });
  const dev = new SeqDevice({ port: () => rb.mqttPort, clientId: 'r1', topic: 'dev/r1/seq', window: 20 });
  try {
    await dev.start(40);
    await dev.allAcked(10_000);
    await eventually(() => rb.action.stats().queuing === 40, 5000, '40 rows buffered');
    const old = rb.action;
    rb.write(deliveryRules({ port: server.port, action: { ...disk, batch_size: 7 } }));
    assert.deepEqual(await rb.plugin.reload('test'), { ok: true, errors: '' });
    const next = rb.plugin.current.actions.get('to_hs')!.instance as HStreamAction;
    assert.notEqual(next, old, 'the action was rebuilt');
    assert.equal(old.status(), 'disconnected');
    assert.deepEqual([next.stats().matched, next.stats().queuing], [40, 40], 'the new action found the rows on disk');
    await server.start();
    const s = await settled(next, 15_000);
    assert.deepEqual(account(server, 'r1', dev.acked), { stored: 40, duplicates: 0, ackedButLost: [] });
    assert.ok(
      server.appends.every((a) => a.batchSize <= 7),
      'written under the new settings',
    );
    assert.deepEqual([s.success, s.dropped], [40, 0]);
    assertStatsInvariant(s);
  } finally {
    dev.stop();
    await rb.close();
    await server.stop();
  }
});
