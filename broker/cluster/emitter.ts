import { setTimeout as sleep } from 'node:timers/promises';
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
  /** QoS 1/2 PUBLISHes to Redis that failed (or found the publish connection down) and were sent again once it was back. */
  publishRetries: number;
}

/** How long a QoS 1/2 message whose PUBLISH to Redis failed waits for the publish connection (default 10 s). */
export const PUBLISH_RETRY_WINDOW_MS = 10_000;

/**
 * mqemitter-redis over the node's publish and subscribe connections: every PUBLISH goes through a
 * Redis channel and reaches each node (this one included) from its subscribe connection.
 *
 * QoS 1/2 messages were acknowledged already (Aedes sends PUBACK before it publishes; the cluster
 * plugin refuses them while the store or publish connection is down), so when their PUBLISH fails
 * or the publish connection is down, the PUBLISH waits for the connection and is sent again, for at
 * most `retryWindowMs`; meanwhile the publishing client is not read (back-pressure, nothing
 * buffered here). Delivering such a message to this node only would acknowledge it to the
 * publisher while the other nodes' live subscribers never get it, and its copy in a persistent
 * session's queue only reaches a connected client at its next reconnect. A PUBLISH whose reply was
 * lost with the connection may have gone out: sent again, it can arrive twice (QoS 1 allows it;
 * Aedes drops a second copy with the same broker counter per client).
 *
 * QoS 0 messages, and QoS 1/2 ones after the window, are delivered to this node's own subscribers
 * directly when the round trip is impossible: local clients keep getting messages during a Redis
 * outage; the other nodes miss them, as Redis pub/sub keeps nothing. While only this node's
 * subscribe connection is down, its own subscribers get the message directly and the other nodes
 * through Redis.
 */
export function createRedisEmitter(
  pub: ClusterConnection,
  sub: ClusterConnection,
  counters: EmitterCounters,
  logger: Logger,
  retryWindowMs = PUBLISH_RETRY_WINDOW_MS,
): RedisEmitter {
  // Aedes' own emitter uses the same settings: concurrency 100, and `a/#` matches `a` [MQTT-4.7.1-3].
  const mq = MQEmitterRedis({ pubConn: pub, subConn: sub, concurrency: 100, matchEmptyLevels: true }) as unknown as RedisEmitter;
  // mqemitter-redis re-emits connection errors on `state`; an EventEmitter 'error' with no listener throws.
  mq.state.on('error', (err: Error) => {
    counters.errors++;
    logger.debug({ err: err.message }, 'redis pub/sub error');
  });

  const viaRedis = mq.emit;
  const stopped = () => mq.closed || mq.closing === true;

  /**
   * PUBLISHes `message` (retrying QoS 1/2 as described above), then calls `done`. `deliverHere`:
   * this node's subscribers still need the message. While this node's subscribe connection is down
   * they cannot get it through Redis, so it is delivered to them directly first (checked again
   * before every attempt: the connections come back one by one).
   */
  function publish(message: Message, deliverHere: boolean, deadline: number, done: Done): void {
    if (deliverHere && !sub.ready) {
      counters.localOnly++;
      mq._emit(message, () => publish(message, false, deadline, done));
      return;
    }
    const giveUp = () => {
      if (!deliverHere) return done();
      counters.localOnly++;
      mq._emit(message, done);
    };
    const retry = () => {
      const left = deadline - Date.now();
      if (!((message.qos as number) > 0) || left <= 0 || stopped()) return giveUp();
      counters.publishRetries++;
      // Connected but failing (e.g. Redis out of memory): pause instead of spinning.
      const back = pub.ready ? sleep(Math.min(200, left)) : pub.waitReady(left);
      back.then(
        () => publish(message, deliverHere, deadline, done),
        () => giveUp(),
      );
    };
    if (!pub.ready) return retry();
    viaRedis.call(mq, message, (err?: Error) => (err ? retry() : done()));
  }

  mq.emit = function emitAcrossNodes(message: Message, done?: Done): void {
    const cb = done ?? noop;
    if (stopped()) return viaRedis.call(mq, message, cb);
    publish(message, true, Date.now() + retryWindowMs, cb);
  };
  return mq;
}

function noop(): void {}
