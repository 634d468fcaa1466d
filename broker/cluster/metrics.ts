import client from 'prom-client';
import { REDIS_ROLES, type ClusterConnection, type RedisRole } from './connection.js';
import type { EmitterCounters } from './emitter.js';
import type { StoreRetryCounters } from './store-retry.js';

/** Plain counters bumped on the hot path; prom-client reads them at scrape time. */
export interface ClusterCounters extends EmitterCounters, StoreRetryCounters {
  /** QoS 1/2 and retained PUBLISH refused (connection closed, nothing acknowledged) while the store was down, by QoS. */
  refused: [number, number, number];
  /** Errors Aedes raised on its 'error' event (store failures outside a client's request: offline queueing, wills). */
  brokerErrors: number;
  /** Deliveries skipped because the client had no CONNACK yet (its session queue delivers them). */
  skippedBeforeConnack: number;
  /** CONNECTs refused (connection closed before CONNACK) while the store was down. */
  connectsRefused: number;
  /** Persistent sessions closed after a pub/sub gap so that their clients reconnect and drain their queue. */
  resyncs: number;
}

export function newClusterCounters(): ClusterCounters {
  return {
    localOnly: 0,
    errors: 0,
    publishRetries: 0,
    refused: [0, 0, 0],
    brokerErrors: 0,
    resyncs: 0,
    connectsRefused: 0,
    storeRetries: 0,
    storeGiveUps: 0,
    skippedBeforeConnack: 0,
  };
}

/**
 * Cluster metric families. Every node serves its own /metrics and Prometheus labels each series
 * with the scraped `instance`; `rulemq_node_info` (registered by every broker, see broker/metrics.ts) maps
 * that instance to the node name and the Aedes broker id (which also appears in Redis keys), so no `node`
 * label is added to every series.
 */
export function registerClusterMetrics(registry: client.Registry, conns: Record<RedisRole, ClusterConnection>, counters: ClusterCounters): void {
  new client.Gauge({
    name: 'rulemq_cluster_redis_up',
    help: '1 while the Redis connection is ready, by connection (store, publish, subscribe); on a Redis Cluster, while every primary holding slots is connected.',
    labelNames: ['connection'],
    registers: [registry],
    collect() {
      for (const role of REDIS_ROLES) this.set({ connection: role }, conns[role].ready ? 1 : 0);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_redis_errors_total',
    help: 'Redis failures by connection and kind: connection (refused, reset) or command (failed or lost with the connection).',
    labelNames: ['connection', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const role of REDIS_ROLES) {
        this.inc({ connection: role, kind: 'connection' }, conns[role].stats.connectionErrors);
        this.inc({ connection: role, kind: 'command' }, conns[role].stats.commandErrors);
      }
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_redis_reconnects_total',
    help: 'Reconnect attempts to Redis, by connection.',
    labelNames: ['connection'],
    registers: [registry],
    collect() {
      this.reset();
      for (const role of REDIS_ROLES) this.inc({ connection: role }, conns[role].stats.reconnects);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_local_only_deliveries_total',
    help: "Messages delivered to this node's subscribers only, because Redis pub/sub was unavailable.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.localOnly);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_publish_retries_total',
    help: 'QoS 1/2 PUBLISHes to Redis sent again because the previous attempt failed or the publish connection was down.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.publishRetries);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_publishes_refused_total',
    help: 'QoS 1/2 and retained PUBLISH refused while the Redis store or publish connection was down (connection closed, not acknowledged, so the client resends), by QoS.',
    labelNames: ['qos'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of [0, 1, 2]) this.inc({ qos: String(q) }, counters.refused[q]);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_connects_refused_total',
    help: 'CONNECTs refused (connection closed before CONNACK, so clients retry) because the Redis store was down.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.connectsRefused);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_session_resyncs_total',
    help: 'Persistent sessions closed after this node missed pub/sub messages (Redis gap), so their clients reconnect and receive what was queued.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.resyncs);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_store_retries_total',
    help: 'Store writes of the publish path (retained copy, queues of persistent sessions) retried after Redis failed them.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.storeRetries);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_store_write_failures_total',
    help: 'Store writes of the publish path given up after the retry window: the message reached live subscribers but no offline queue or retained copy.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.storeGiveUps);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_deliveries_before_connack_total',
    help: 'Live deliveries skipped because the client had not received CONNACK yet; QoS 1/2 ones follow from the session queue.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.skippedBeforeConnack);
    },
  });
  new client.Counter({
    name: 'rulemq_cluster_broker_errors_total',
    help: 'Store errors Aedes reported outside a client request (queueing for offline sessions, wills) plus pub/sub errors.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.brokerErrors + counters.errors);
    },
  });
}
