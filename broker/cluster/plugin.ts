import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';
import type { BrokerPlugin, PluginContext } from '../index.js';
import type { Logger } from '../logger.js';
import { REDIS_ROLES, type ClusterConnection, type LinkEvent, type RedisRole } from './connection.js';
import { ClusterError } from './errors.js';
import { registerClusterMetrics, type ClusterCounters } from './metrics.js';

/**
 * Readiness, metrics and outage behaviour of a Redis-backed node. The Aedes side (persistence and
 * emitter) is built by createCluster() and passed to startRulemq as `aedes` options.
 */
export class ClusterPlugin implements BrokerPlugin {
  readonly name = 'cluster';
  private lastBrokerErrorLog = 0;

  constructor(
    readonly connections: Record<RedisRole, ClusterConnection>,
    readonly counters: ClusterCounters,
    private readonly logger: Logger,
  ) {}

  attach(ctx: PluginContext): void {
    const { broker } = ctx;
    registerClusterMetrics(ctx.registry, this.connections, this.counters);

    // Aedes reports store failures it cannot hand back to a client (queueing a message for offline
    // sessions, publishing wills) on its own 'error' event; with no listener that would end the process.
    (broker as unknown as EventEmitter).on('error', (err: Error) => {
      this.counters.brokerErrors++;
      const now = Date.now();
      if (now - this.lastBrokerErrorLog > 5000) {
        this.lastBrokerErrorLog = now;
        this.logger.warn({ err: err.message }, 'broker store error (Redis); further ones within 5 s are only counted');
      }
    });

    this.watchPubSubGap(broker);

    const store = this.connections.store;
    const counters = this.counters;

    // A CONNECT reads and clears session state in Redis (subscriptions, QoS 2 ids, the queue): while
    // the store is unreachable the connection is closed before CONNACK and the client retries. Not
    // CONNACK 3 "server unavailable": MQTT.js (by default) and other clients stop reconnecting on it.
    ctx.hooks.provide('preConnect', 'cluster.store-ready', (client, packet, callback, next) => {
      holdUntilConnack(client, counters);
      if (!store.ready) {
        counters.connectsRefused++;
        callback(new ClusterError('CLUSTER_STORE_DOWN', 'Redis store unreachable: CONNECT refused'), false);
        return;
      }
      next(client, packet, callback);
    });
    // Aedes acknowledges a QoS 1 PUBLISH before storing and publishing it. While the store is
    // unreachable the message could not be queued for persistent sessions; while the publish
    // connection is down it could reach this node's subscribers only (after a failover the store
    // connection is often back first). Either way it is refused: the connection closes without
    // PUBACK/PUBREC and the client resends it once Redis is back. QoS 0 (fire and forget) keeps
    // flowing to this node's subscribers and rules.
    const publish = this.connections.publish;
    ctx.hooks.provide('authorizePublish', 'cluster.store-ready', (client, packet, callback, next) => {
      if (client && (packet.qos > 0 || packet.retain) && !(store.ready && publish.ready)) {
        counters.refused[packet.qos]++;
        const down = store.ready ? 'publish' : 'store';
        callback(new ClusterError('CLUSTER_STORE_DOWN', `Redis ${down} connection down: QoS ${packet.qos}${packet.retain ? ' retained' : ''} PUBLISH refused`));
        return;
      }
      next(client, packet, callback);
    });
  }

  /**
   * Redis pub/sub keeps nothing: while this node's subscribe connection was down, messages for its
   * clients went past it. For persistent sessions they also sit in the session's queue in Redis,
   * which Aedes only drains on CONNECT. So once every connection is back, persistent sessions with
   * subscriptions that stayed connected through the gap are closed: their clients reconnect and
   * receive the queue.
   */
  private watchPubSubGap(broker: PluginContext['broker']): void {
    let missedLive = false;
    this.connections.subscribe.on('link-down' satisfies LinkEvent, () => {
      missedLive = true;
    });
    const onReady = () => {
      if (!missedLive || !REDIS_ROLES.every((r) => this.connections[r].ready)) return;
      missedLive = false;
      const clients = (broker as unknown as { clients: Record<string, Client> }).clients;
      let closed = 0;
      for (const c of Object.values(clients)) {
        // Clean sessions have no queue to drain; a client without subscriptions has nothing to receive.
        if (c.clean || c.closed || Object.keys((c as { subscriptions?: object }).subscriptions ?? {}).length === 0) continue;
        closed++;
        c.close();
      }
      this.counters.resyncs += closed;
      if (closed > 0)
        this.logger.info(
          { sessions: closed },
          'pub/sub back after a gap: persistent sessions closed so their clients reconnect and get the messages queued meanwhile',
        );
    };
    for (const role of REDIS_ROLES) this.connections[role].on('link-up' satisfies LinkEvent, onReady);
  }

  notReadyReasons(): string[] {
    const reasons: string[] = [];
    for (const role of REDIS_ROLES) {
      const c = this.connections[role];
      if (c.ready) continue;
      const since = c.stats.downSince ?? Date.now();
      const why = c.stats.lastError ? `: ${c.stats.lastError}` : '';
      reasons.push(`redis ${role} connection ${c.state} for ${((Date.now() - since) / 1000).toFixed(1)} s${why}`);
    }
    return reasons;
  }
}

type Deliver = (packet: unknown, cb: () => void) => void;

/**
 * Aedes restores a persistent session's subscriptions before it sends CONNACK, with Redis round
 * trips in between; a message published meanwhile on any node was written to the client before its
 * CONNACK (against [MQTT-3.2.0-1]), and MQTT.js then lost the queued messages that followed. Until
 * CONNACK is sent, deliveries are skipped: QoS 1/2 messages for a persistent session are also in its
 * queue in Redis, which Aedes sends right after CONNACK; a skipped QoS 0 message is gone (QoS 0).
 */
function holdUntilConnack(client: Client, counters: ClusterCounters): void {
  const c = client as unknown as Record<'deliver0' | 'deliverQoS', Deliver> & { connackSent?: boolean };
  for (const key of ['deliver0', 'deliverQoS'] as const) {
    const deliver = c[key];
    c[key] = function deliverAfterConnack(this: unknown, packet, cb) {
      if (c.connackSent) return deliver.call(this, packet, cb);
      counters.skippedBeforeConnack++;
      setImmediate(cb);
    };
  }
}
