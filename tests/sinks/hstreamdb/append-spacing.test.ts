import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPEND_SPACING_MS, ShardBatcher, type Row } from '../../../sinks/hstreamdb/batcher.js';

function row(urgent = false): Row {
  return { slab: new Uint8Array(0), at: 0, len: 10, key: 'k', size: 10, deadline: Number.POSITIVE_INFINITY, done: undefined, urgent, seq: -1, late: false };
}

/**
 * Runs `body` right after a shard's Append started; the machine may stall a synchronous stretch for longer than the
 * spacing, so a run that took longer than half of it is repeated (the checks only hold within the spacing).
 */
async function withinSpacing(body: (shard: ShardBatcher, ready: () => Promise<void>) => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    let wake: () => void = () => undefined;
    const shard = new ShardBatcher('shard', 'host:1', 10, 1000, () => wake());
    const ready = () => new Promise<void>((r) => (wake = r));
    try {
      if (await body(shard, ready)) return;
    } finally {
      shard.stop();
    }
  }
  assert.fail('the machine never ran a few statements within the Append spacing');
}

test('an idle shard may start at once', () => {
  const shard = new ShardBatcher('shard', 'host:1', 10, 1000, () => undefined);
  for (let i = 0; i < 10; i++) shard.add(row());
  assert.equal(shard.mayStart(), true);
  assert.equal(shard.nextBatch()?.rows.length, 10);
  shard.stop();
});

test('batches that fill within the spacing after an Append started wait for it and go out as one Append', () =>
  withinSpacing(async (shard, ready) => {
    const t0 = performance.now();
    shard.noteStarted();
    for (let i = 0; i < 35; i++) shard.add(row()); // three full batches, five rows open
    const waited = !shard.mayStart();
    if (performance.now() - t0 > APPEND_SPACING_MS / 2) return false;
    assert.ok(waited, 'the next Append waits for the spacing');
    // The shard asks the pump again when its timer fires (a timer may fire a little early: ask again then).
    do await ready();
    while (!shard.mayStart());
    assert.ok(performance.now() - t0 >= APPEND_SPACING_MS, 'not before the spacing ended');
    assert.equal(shard.nextBatch()?.rows.length, 30, 'the three batches ride together');
    assert.equal(shard.hasClosed(), false);
    return true;
  }));

test('a batch a PUBACK waits on (ack_mode = sink) does not wait for the spacing', () =>
  withinSpacing(async (shard) => {
    const t0 = performance.now();
    shard.noteStarted();
    for (let i = 0; i < 9; i++) shard.add(row());
    shard.add(row(true));
    const may = shard.mayStart();
    if (performance.now() - t0 > APPEND_SPACING_MS / 2) return false;
    assert.equal(may, true);
    assert.equal(shard.nextBatch()?.rows.length, 10);
    return true;
  }));

test('the spacing is never longer than batch_interval', () =>
  withinSpacing(async () => {
    const shard = new ShardBatcher('shard', 'host:1', 10, 0, () => undefined);
    shard.noteStarted();
    for (let i = 0; i < 10; i++) shard.add(row());
    assert.equal(shard.mayStart(), true, 'batch_interval 0: no spacing');
    shard.stop();
    return true;
  }));
