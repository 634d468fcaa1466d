import type { ClusterConnection } from './connection.js';

export interface StoreRetryCounters {
  /** Store writes of the publish path that failed and were retried once Redis answered again. */
  storeRetries: number;
  /** Store writes given up after the retry window (the message still reaches live subscribers). */
  storeGiveUps: number;
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * Aedes acknowledges a QoS 1 PUBLISH before it stores the message (retained copy, queues of
 * persistent sessions). When Redis vanishes between the two, the write fails: the retained write
 * closes the client, and a failed queue write leaves the publish unfinished, so Aedes never reads
 * from that client again. Both writes are retried here instead, once the store connection is ready
 * again, for at most `windowMs`; meanwhile that client is not read (back-pressure, no buffering
 * here). After the window the write is given up and counted, and the message goes on to live
 * subscribers. Re-running a partly applied queue write can queue a message twice: QoS 1 allows it.
 */
export function retryStoreWrites(persistence: object, store: ClusterConnection, counters: StoreRetryCounters, windowMs: number): void {
  const target = persistence as Record<string, AsyncMethod>;
  for (const name of ['storeRetained', 'outgoingEnqueueCombi'] as const) {
    const original = target[name].bind(persistence) as (...args: unknown[]) => Promise<unknown>;
    target[name] = async function retried(...args: unknown[]): Promise<unknown> {
      // The callback form (unused by Aedes 1.x) is passed through untouched.
      if (typeof args[args.length - 1] === 'function') return original(...args);
      const deadline = Date.now() + windowMs;
      for (;;) {
        try {
          return await original(...args);
        } catch (err) {
          const left = deadline - Date.now();
          if (left <= 0) {
            counters.storeGiveUps++;
            if (name === 'storeRetained') throw err;
            return undefined;
          }
          counters.storeRetries++;
          // Connected but failing (e.g. Redis out of memory): pause instead of spinning.
          const back = store.ready
            ? sleep(Math.min(200, left)).then(() => true)
            : store.waitReady(left).then(
                () => true,
                () => false,
              );
          if (!(await back)) {
            counters.storeGiveUps++;
            if (name === 'storeRetained') throw err;
            return undefined;
          }
        }
      }
    } as AsyncMethod;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
