import MQEmitterRedis from 'mqemitter-redis';
import type { Logger } from '../logger.js';
import type { ClusterConnection } from './connection.js';

type Message = Record<string, unknown> & { topic: string };
type Done = (err?: Error) => void;

/** The parts of mqemitter-redis used here that its typings leave out. */
interface RedisEmitter {
  emit(message: Message, done?: Done): void;
  /** MQEmitter's own emit: delivers to this process' listeners only. */
  _emit(message: Message, done?: Done): void;
  close(done: () => void): void;
  closed: boolean;
  closing?: boolean;
  state: { on(event: 'error', listener: (err: Error) => void): void };
}

export interface EmitterCounters {
  /** Messages delivered to this node's subscribers only, because Redis pub/sub was unavailable. */
  localOnly: number;
  /** Errors mqemitter-redis reported (connection errors of its two connections, failed PUBLISH). */
  errors: number;
}

/**
 * mqemitter-redis over the node's publish and subscribe connections: every PUBLISH goes through a
 * Redis channel and reaches each node (this one included) from its subscribe connection.
 *
 * When either connection is down the message cannot make that round trip, so it is delivered to
 * this node's own subscribers directly (and still published when the publish connection works,
 * for the other nodes). Local clients keep getting messages during a Redis outage; the other
 * nodes miss what is published meanwhile, as Redis pub/sub keeps nothing.
 */
export function createRedisEmitter(pub: ClusterConnection, sub: ClusterConnection, counters: EmitterCounters, logger: Logger): RedisEmitter {
  // Aedes' own emitter uses the same settings: concurrency 100, and `a/#` matches `a` [MQTT-4.7.1-3].
  const mq = MQEmitterRedis({ pubConn: pub, subConn: sub, concurrency: 100, matchEmptyLevels: true }) as unknown as RedisEmitter;
  // mqemitter-redis re-emits connection errors on `state`; an EventEmitter 'error' with no listener throws.
  mq.state.on('error', (err: Error) => {
    counters.errors++;
    logger.debug({ err: err.message }, 'redis pub/sub error');
  });

  const viaRedis = mq.emit;
  mq.emit = function emitAcrossNodes(message: Message, done?: Done): void {
    const cb = done ?? noop;
    if (mq.closed || mq.closing) return viaRedis.call(mq, message, cb);
    if (pub.ready && sub.ready) {
      viaRedis.call(mq, message, (err?: Error) => {
        if (!err) return cb();
        // The PUBLISH failed, so no node (this one included) got it from Redis: deliver it here once.
        counters.localOnly++;
        mq._emit(message, cb);
      });
      return;
    }
    counters.localOnly++;
    if (pub.ready) viaRedis.call(mq, message, noop);
    mq._emit(message, cb);
  };
  return mq;
}

function noop(): void {}
