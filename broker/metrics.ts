import client from 'prom-client';
import type { Aedes } from 'aedes';

/**
 * Broker counters kept as plain integers on the hot path and handed to prom-client only when
 * /metrics is scraped (`collect()`): a labelled `inc()` per message costs ~8 % throughput
 * (shared/performance-notes.md), a field increment costs nothing measurable.
 */
export class BrokerCounters {
  connectionsAccepted = 0;
  readonly connectionsRejected: Record<string, number> = Object.create(null);
  readonly received = [0, 0, 0];
  readonly sent = [0, 0, 0];
  receivedBytes = 0;
  receivedPayloadBytes = 0;
  sentBytesClosed = 0;
  dropped = 0;

  reject(reason: string): void {
    this.connectionsRejected[reason] = (this.connectionsRejected[reason] ?? 0) + 1;
  }
}

export interface BrokerGauges {
  connected(): number;
  subscriptions(): number;
  retained(): number;
  liveSentBytes(): number;
}

/**
 * `rulemq_node_info{node, broker_id} 1` on every node, single or clustered: Prometheus labels each series
 * with the scraped `instance`, and this maps an instance to the node name and the Aedes broker id.
 */
export function registerNodeInfo(registry: client.Registry, node: { name: string; brokerId: string }): void {
  new client.Gauge({
    name: 'rulemq_node_info',
    help: 'Always 1; labels name this node (nodeName) and its Aedes broker id.',
    labelNames: ['node', 'broker_id'],
    registers: [registry],
    collect() {
      this.set({ node: node.name, broker_id: node.brokerId }, 1);
    },
  });
}

/** Registers the broker metric families on `registry`; their values come from `counters`/`gauges` at scrape time. */
export function registerBrokerMetrics(registry: client.Registry, counters: BrokerCounters, gauges: BrokerGauges): void {
  const qosLabels = ['0', '1', '2'];
  new client.Gauge({
    name: 'rulemq_connections',
    help: 'MQTT clients connected now (CONNECT accepted).',
    registers: [registry],
    collect() {
      this.set(gauges.connected());
    },
  });
  new client.Counter({
    name: 'rulemq_connections_accepted_total',
    help: 'Network connections accepted by the MQTT listeners (TCP, TLS, WS, WSS).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.connectionsAccepted);
    },
  });
  new client.Counter({
    name: 'rulemq_connections_rejected_total',
    help: 'Connections closed by a protection, by reason (packet_too_large, first_packet_not_connect, malformed_length, incomplete_packets_budget, connect_timeout, tls_handshake_timeout).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(counters.connectionsRejected)) this.inc({ reason }, n);
    },
  });
  new client.Counter({
    name: 'rulemq_messages_received_total',
    help: 'PUBLISH packets received from clients, by QoS.',
    labelNames: ['qos'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of qosLabels) this.inc({ qos: q }, counters.received[Number(q)]);
    },
  });
  new client.Counter({
    name: 'rulemq_messages_sent_total',
    help: 'PUBLISH packets forwarded to subscribers, by the QoS of the published message.',
    labelNames: ['qos'],
    registers: [registry],
    collect() {
      this.reset();
      for (const q of qosLabels) this.inc({ qos: q }, counters.sent[Number(q)]);
    },
  });
  new client.Counter({
    name: 'rulemq_received_bytes_total',
    help: 'Bytes read from MQTT connections (all packets).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.receivedBytes);
    },
  });
  new client.Counter({
    name: 'rulemq_messages_received_payload_bytes_total',
    help: 'Payload bytes of PUBLISH packets received from clients.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.receivedPayloadBytes);
    },
  });
  new client.Counter({
    name: 'rulemq_sent_bytes_total',
    help: 'Bytes written to MQTT connections (all packets).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(counters.sentBytesClosed + gauges.liveSentBytes());
    },
  });
  new client.Gauge({
    name: 'rulemq_subscriptions',
    help: 'Subscriptions held by connected clients.',
    registers: [registry],
    collect() {
      this.set(gauges.subscriptions());
    },
  });
  new client.Gauge({
    name: 'rulemq_retained_messages',
    help: 'Retained messages stored (as seen by this node).',
    registers: [registry],
    collect() {
      this.set(gauges.retained());
    },
  });
}

/** Clients map Aedes keeps (not in its typings). */
export function connectedClients(broker: Aedes): Iterable<{ subscriptions?: Record<string, unknown> }> {
  const clients = (broker as unknown as { clients?: Record<string, { subscriptions?: Record<string, unknown> }> }).clients;
  return clients ? Object.values(clients) : [];
}
