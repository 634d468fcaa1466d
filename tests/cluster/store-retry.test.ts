import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { retryStoreWrites } from '../../broker/cluster/store-retry.js';
import type { ClusterConnection } from '../../broker/cluster/connection.js';

/** Stands in for the store connection: `up()` makes it ready and wakes the waiters. */
class FakeStore extends EventEmitter {
  ready = false;
  up(): void {
    this.ready = true;
    this.emit('ready');
  }
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      this.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** A persistence whose writes fail while `store` is down and are recorded once it is up. */
function fakePersistence(store: FakeStore) {
  const written: string[] = [];
  const attempts = { storeRetained: 0, outgoingEnqueueCombi: 0 };
  const p = {
    async storeRetained(packet: { topic: string }) {
      attempts.storeRetained++;
      if (!store.ready) throw new Error("Stream isn't writeable");
      written.push(`retained ${packet.topic}`);
    },
    async outgoingEnqueueCombi(subs: unknown[], packet: { topic: string }) {
      attempts.outgoingEnqueueCombi++;
      if (!store.ready) throw new Error("Stream isn't writeable");
      written.push(`queued ${packet.topic} x${subs.length}`);
    },
  };
  return { p, written, attempts };
}

test('a queue write that failed while Redis was away completes once the store is ready again', async () => {
  const store = new FakeStore();
  const { p, written, attempts } = fakePersistence(store);
  const counters = { storeRetries: 0, storeGiveUps: 0 };
  retryStoreWrites(p, store as unknown as ClusterConnection, counters, 5000);
  let settled = false;
  const pending = p.outgoingEnqueueCombi([{}, {}], { topic: 't' }).then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(settled, false, 'the write waits for Redis');
  store.up();
  await pending;
  assert.deepEqual(written, ['queued t x2']);
  assert.equal(attempts.outgoingEnqueueCombi, 2);
  assert.deepEqual(counters, { storeRetries: 1, storeGiveUps: 0 });
});

test('after the window a queue write is given up (resolves, so Aedes goes on) and a retained write fails', async () => {
  const store = new FakeStore();
  const { p, written } = fakePersistence(store);
  const counters = { storeRetries: 0, storeGiveUps: 0 };
  retryStoreWrites(p, store as unknown as ClusterConnection, counters, 100);
  await p.outgoingEnqueueCombi([{}], { topic: 'q' });
  await assert.rejects(p.storeRetained({ topic: 'r' }), /Stream isn't writeable/);
  assert.deepEqual(written, []);
  assert.deepEqual(counters, { storeRetries: 2, storeGiveUps: 2 });
});

test('while Redis answers but fails the write, retries are paced rather than spun', async () => {
  const store = new FakeStore();
  store.ready = true;
  let calls = 0;
  const p = {
    async storeRetained() {
      calls++;
      throw new Error('OOM command not allowed');
    },
    async outgoingEnqueueCombi() {},
  };
  retryStoreWrites(p, store as unknown as ClusterConnection, { storeRetries: 0, storeGiveUps: 0 }, 500);
  await assert.rejects(p.storeRetained(), /OOM/);
  // 500 ms window, 200 ms pause between attempts: 3 or 4 attempts, not thousands.
  assert.ok(calls >= 2 && calls <= 5, `${calls} attempts`);
});
