import { readFileSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import client from 'prom-client';
import type { RulemqConfig } from './config/schema.js';
import { BrokerError } from './errors.js';
import type { Logger } from './logger.js';
import { RateLimitedLog } from '../common/logger.js';
import { BrokerCounters, connectedClients, registerBrokerMetrics, registerNodeInfo } from './metrics.js';
import { guardConnection, type GuardSettings } from './listeners/guard-connection.js';
import { coalesceWrites } from './listeners/write-coalescing.js';
import { IncompleteBudget } from './listeners/packet-guard.js';
import { raiseWriteBuffer } from './limits/slow-subscriber.js';
import { startTcpListener } from './listeners/tcp.js';
import { startTlsListener, type TlsFiles } from './listeners/tls.js';
import { startWsListener } from './listeners/ws.js';
import type { Listener, Transport } from './listeners/types.js';
import { createBaseRouter, startHttpServer } from './http/server.js';
import { installDashboard } from './http/install-dashboard.js';
import type { Router } from './http/router.js';
import { BrokerHooks } from './hooks.js';
import { provideConnectRules } from './connect-rules.js';
import { Security } from './auth/security.js';
import { mqtt5AedesOptions } from './mqtt5/options.js';
import { provideMqtt5 } from './mqtt5/install.js';
import { SharedSubscriptions } from './shared/index.js';
import type { Redis } from 'ioredis';
import { installConnectionLog } from './connection-log.js';
import type { WorkerLink, WorkerRole } from './workers/worker-link.js';
import { registerWorkerMetrics } from './workers/worker-metrics.js';

/** Something that plugs into the broker: the rule engine, auth, clustering... */
export interface BrokerPlugin {
  readonly name: string;
  /** Called once the Aedes instance exists, before listeners open. */
  attach(ctx: PluginContext): void | Promise<void>;
  /** Called when the broker drains; may finish in-flight work within `graceMs`. */
  close?(graceMs: number): Promise<void>;
  /** Reasons this plugin is not ready (e.g. a cluster backend down). */
  notReadyReasons?(): string[];
  /** States reported beside readiness that do not decide it, merged into /readyz's body. */
  readinessDetails?(): Record<string, unknown>;
}

export interface PluginContext {
  readonly broker: Aedes;
  readonly config: RulemqConfig;
  readonly logger: Logger;
  readonly registry: client.Registry;
  readonly router: Router;
  /** Where the plugin provides its steps of the Aedes hooks (broker/hooks.ts orders them). */
  readonly hooks: BrokerHooks;
  /** This process' place among the node's workers (`rulemq start --workers N`); null when it serves alone. */
  readonly worker: WorkerRole | null;
}

export interface RulemqOptions {
  config: RulemqConfig;
  logger: Logger;
  plugins?: BrokerPlugin[];
  /** Extra Aedes options (persistence, mq) — set by the clustering plugin. */
  aedes?: AedesOptions;
  /** The cluster's Redis command connection: shared subscription groups then span every node. */
  sharedRedis?: Redis;
  /** Set in a worker of `rulemq start --workers N`: /metrics then answers for every worker of the node. */
  worker?: WorkerLink;
}

export interface RunningBroker {
  readonly broker: Aedes;
  readonly registry: client.Registry;
  readonly counters: BrokerCounters;
  /** Authentication, ACL and limits: `reload()` re-reads the password and ACL files (as SIGHUP does). */
  readonly security: Security;
  /** Shared subscription groups ($share/<group>/<filter>, $queue/<filter>). */
  readonly shared: SharedSubscriptions;
  /** Bound ports by listener name: mqtt-tcp, mqtt-tls, mqtt-ws, mqtt-wss, http. */
  readonly ports: Readonly<Record<string, number>>;
  ready(): boolean;
  /** Readiness goes false, listeners close, plugins get `graceMs` to finish, Aedes closes. */
  close(graceMs?: number): Promise<void>;
}

/** Starts Aedes, the MQTT listeners and the HTTP server. Rejects (and cleans up) if any listener cannot start. */
export async function startRulemq(options: RulemqOptions): Promise<RunningBroker> {
  const { config, logger } = options;
  const plugins = options.plugins ?? [];
  const counters = new BrokerCounters();
  const registry = new client.Registry();
  // Standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds...): stock Node.js dashboards find them.
  client.collectDefaultMetrics({ register: registry });

  // Reads the password and ACL files: a bad file stops start-up here, before anything listens.
  const security = new Security({ config, logger, registry, inMemoryPersistence: options.aedes?.persistence === undefined });
  const broker = await Aedes.createBroker({
    connectTimeout: config.connectTimeoutMs,
    ...mqtt5AedesOptions(config),
    ...security.aedesOptions,
    ...options.aedes,
  });
  const hooks = new BrokerHooks();
  provideConnectRules(hooks);
  provideMqtt5(hooks, config);
  registerNodeInfo(registry, { name: config.nodeName, brokerId: broker.id });
  security.install(broker, hooks);
  const shared = new SharedSubscriptions(broker, hooks, { strategy: config.sharedSubscriptionStrategy, logger, registry, redis: options.sharedRedis });

  const liveConns = new Set<Duplex>();
  registerBrokerMetrics(registry, counters, {
    connected: () => broker.connectedClients,
    subscriptions: () => {
      let n = 0;
      for (const c of connectedClients(broker)) if (c.subscriptions) n += Object.keys(c.subscriptions).length;
      return n;
    },
    byProtocol: () => {
      const n: Record<string, number> = { '3.1': 0, '3.1.1': 0, '5': 0 };
      for (const c of connectedClients(broker)) {
        const label = PROTOCOL_LABELS[c.version ?? 0];
        if (label !== undefined) n[label]++;
      }
      return n;
    },
    retained: () => security.retained.count,
    liveSentBytes: () => {
      let n = 0;
      for (const c of liveConns) n += (c as { bytesWritten?: number }).bytesWritten ?? 0;
      return n;
    },
  });

  hooks.provide('published', 'metrics.received', (packet) => {
    counters.received[packet.qos]++;
    counters.receivedPayloadBytes += packet.payload.length;
  });
  hooks.provide('authorizeForward', 'metrics.sent', (_c, packet) => {
    counters.sent[packet.qos]++;
    return packet;
  });
  // MQTT 5 deliveries the broker did not send (patches/aedes+2.0.0-beta.1.patch, lib/write.js).
  (broker as EventEmitter).on('publishDiscarded', (_packet: unknown, _client: unknown, reason: string) => counters.discard(reason));
  broker.on('connectionError', (_c: Client, err: Error) => {
    if (err.message === 'connect did not arrive in time') counters.reject('connect_timeout'); // Aedes' connectTimeout
  });
  installConnectionLog(broker, logger);

  let ready = false;
  const readiness = {
    ready: () => ready,
    reasons: () => plugins.flatMap((p) => p.notReadyReasons?.() ?? []),
    details: () => Object.assign({}, ...plugins.map((p) => p.readinessDetails?.() ?? {})) as Record<string, unknown>,
  };
  const worker = options.worker ?? null;
  if (worker) {
    // The supervisor collects every worker's registry through prom-client's AggregatorRegistry; its
    // constructor is what starts answering those requests in a worker.
    client.AggregatorRegistry.setRegistries([registry]);
    new client.AggregatorRegistry();
    registerWorkerMetrics(registry, worker.slot, () => broker.connectedClients);
  }
  const router = createBaseRouter(registry, readiness, worker ? () => worker.clusterMetrics() : undefined);
  router.logger = logger;
  installDashboard(router, broker, registry, config.nodeName);
  router.authorize = security.httpAuthorizer;
  for (const plugin of plugins) await plugin.attach({ broker, config, logger, registry, router, hooks, worker });
  hooks.seal(broker);

  // A flood of hostile connections must not become a flood of log lines: at most one per second, with a count.
  const protectionLog = new RateLimitedLog(logger, 1000);
  // Everything below is built once for the broker: a connection adds only its guard and inspector.
  const guardSettings: GuardSettings = {
    maxPacketBytes: config.maxPacketBytes,
    extras: security.guardExtras,
    budget: new IncompleteBudget(config.maxIncompletePacketBytes),
    onBytes: (n) => {
      counters.receivedBytes += n;
    },
    onViolation: (violation, guard) => {
      counters.reject(violation);
      protectionLog.log('warn', 'protection', { transport: guard.transport, violation, remote: guard.remoteAddress() }, 'connection closed by protection');
    },
    onClose: (conn) => {
      liveConns.delete(conn);
      counters.sentBytesClosed += (conn as { bytesWritten?: number }).bytesWritten ?? 0;
      security.release();
    },
  };
  const onConnection = (conn: Duplex, transport: Transport, req?: IncomingMessage) => {
    counters.connectionsAccepted++;
    if (!security.admit(conn)) return; // maxConnections / maxConnectRate: already closed and counted
    liveConns.add(conn);
    if (config.maxClientOutgoingBytes > 0) raiseWriteBuffer(conn, config.maxClientOutgoingBytes);
    // Its close listener also releases the admission and forgets the connection (onClose above).
    guardConnection(conn, guardSettings, transport, req);
    coalesceWrites(conn);
    broker.handle(conn, req);
  };
  const onTlsError = (err: Error) => {
    const timeout = /timed? ?out/i.test(err.message);
    counters.reject(timeout ? 'tls_handshake_timeout' : 'tls_handshake_failed');
    logger.debug({ err: err.message }, 'TLS handshake failed');
  };

  const listeners: Listener[] = [];
  const closeAll = async () => {
    await Promise.all(listeners.map((l) => l.close().catch(() => undefined)));
  };
  try {
    await shared.start();
    const tlsFiles = readTlsFiles(config);
    if (config.mqttPort !== null) listeners.push(await startTcpListener(config.host, config.mqttPort, onConnection));
    if (tlsFiles && config.tlsPort !== null) listeners.push(await startTlsListener(config.host, config.tlsPort, tlsFiles, onConnection, onTlsError));
    // A WebSocket message may carry one packet plus a little framing slack.
    const maxPayloadBytes = config.maxPacketBytes + 1024;
    const wsLimits = { maxHeaderBytes: config.wsMaxHeaderBytes, onHeaderOverflow: () => security.wsHeaderOverflow() };
    if (config.wsPort !== null)
      listeners.push(await startWsListener(config.host, config.wsPort, { path: config.wsPath, maxPayloadBytes, ...wsLimits }, onConnection));
    if (tlsFiles && config.wssPort !== null)
      listeners.push(
        await startWsListener(config.host, config.wssPort, { path: config.wsPath, maxPayloadBytes, ...wsLimits, tls: tlsFiles }, onConnection, onTlsError),
      );
    if (config.httpPort !== null) listeners.push(await startHttpServer(config.httpHost, config.httpPort, router));
  } catch (err) {
    await closeAll();
    await shared.close();
    security.close();
    await new Promise<void>((r) => broker.close(() => r()));
    throw err;
  }

  const ports: Record<string, number> = {};
  for (const l of listeners) {
    ports[l.name] = l.port;
    logger.info({ listener: l.name, host: l.host, port: l.port }, `${l.name} listening on ${l.host}:${l.port}`);
  }
  security.warnOnOpenAccess(listeners);
  ready = true;

  let closing: Promise<void> | null = null;
  return {
    broker,
    registry,
    counters,
    security,
    shared,
    ports,
    ready: () => ready && readiness.reasons().length === 0,
    close(graceMs = config.shutdownGraceMs) {
      closing ??= (async () => {
        ready = false;
        security.close();
        const http = listeners.find((l) => l.name === 'http');
        // Stop accepting now; a server's close only completes once its connections are gone, so do
        // not wait for it before Aedes has closed the clients (that would wait for keepalive timeouts).
        const listenersClosed = Promise.all(listeners.filter((l) => l !== http).map((l) => l.close().catch(() => undefined)));
        await Promise.all(plugins.map((p) => withTimeout(p.close?.(graceMs) ?? Promise.resolve(), graceMs + 1000)));
        // Other nodes stop picking this node's members now; their unacknowledged messages move to them as clients close.
        await withTimeout(shared.close(), 1000);
        await withTimeout(new Promise<void>((r) => broker.close(() => r())), Math.max(graceMs, 1000));
        for (const conn of liveConns) conn.destroy();
        await withTimeout(
          listenersClosed.then(() => undefined),
          1000,
        );
        if (http) await http.close();
      })();
      return closing;
    },
  };
}

/** `rulemq_connections_by_protocol` labels by CONNECT protocol level. */
const PROTOCOL_LABELS: Record<number, string> = { 3: '3.1', 4: '3.1.1', 5: '5' };

function readTlsFiles(config: RulemqConfig): TlsFiles | null {
  if (!config.tlsCert || !config.tlsKey) return null;
  try {
    return {
      cert: readFileSync(config.tlsCert),
      key: readFileSync(config.tlsKey),
      ca: config.tlsCa ? readFileSync(config.tlsCa) : undefined,
      verifyClient: config.tlsVerifyClient,
      handshakeTimeoutMs: config.tlsHandshakeTimeoutMs,
    };
  } catch (err) {
    throw new BrokerError('TLS_FILES_UNREADABLE', `cannot read TLS files: ${(err as Error).message}`, { cause: err });
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}
