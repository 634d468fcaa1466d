import type { Client } from 'aedes';
import type { BrokerHooks } from '../hooks.js';
import type { SecurityCounters } from './counters.js';
import { TokenBucket } from './token-bucket.js';

const BUCKET = Symbol('rulemq.publishBucket');

/**
 * Per-client publish rate: a token bucket of `ratePerSecond` (burst of one second's worth).
 * A PUBLISH over the rate is neither dropped nor answered with a disconnect: its authorization is
 * delayed until its token is due, so Aedes stops reading that connection and TCP pushes back on
 * the client (EMQX's limiter works the same way). Nothing is lost; a client that floods only slows
 * itself down. Each delayed PUBLISH counts as a `publish_rate` limit hit.
 */
export function providePublishRate(hooks: BrokerHooks, ratePerSecond: number, counters: SecurityCounters): void {
  const burst = Math.max(1, ratePerSecond);
  hooks.provide('authorizePublish', 'limits.publish-rate', (client, packet, callback, next) => {
    // No client: a will of another node. A closed client: its own will. Neither is throttled.
    if (client === null || client.closed) {
      next(client, packet, callback);
      return;
    }
    const holder = client as Client & { [BUCKET]?: TokenBucket };
    let bucket = holder[BUCKET];
    if (bucket === undefined) {
      bucket = new TokenBucket(ratePerSecond, burst);
      holder[BUCKET] = bucket;
    }
    const waitMs = bucket.take();
    if (waitMs === 0) {
      next(client, packet, callback);
      return;
    }
    counters.limit('publish_rate');
    setTimeout(() => {
      if (client.closed) callback(new Error('connection closed while its publish was throttled'));
      else next(client, packet, callback);
    }, waitMs);
  });
}
