/**
 * An HStreamDB connector: the shared part of every action that writes to one cluster — the
 * gRPC channels (one per host:port), the connection status from a periodic Echo, and the
 * connection test.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ConnectorStatus } from '../contract.js';
import { HStreamClient, type ClientOptions } from './client.js';
import type { ConnectorConfig } from './config.js';
import { describeCallError, isGrpcError } from './errors.js';
import { startPeriodic, testConnection, type ConnectionTestResult } from './health.js';
import { silentLogger, type Logger } from '../../common/logger.js';

export interface ConnectorOptions extends ClientOptions {
  /** The connector's name in rules.sql (default 'hstreamdb'). */
  name?: string;
  /** How often to Echo the cluster (default 15 s). */
  healthCheckIntervalMs?: number;
}

/** A connection test, with the active shards of each stream tested. */
export type ConnectorTestReport = ConnectionTestResult & { readonly streams?: Readonly<Record<string, number>> };

/** Status codes that say "the server is not reachable" rather than "the server said no". */
const CONNECTION_CODES = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);

export class HStreamConnector {
  readonly type = 'hstreamdb';
  readonly name: string;
  readonly client: HStreamClient;
  private state: ConnectorStatus = 'connecting';
  private lastError = '';
  private stopHealth: (() => void) | undefined;
  private readonly listeners = new Set<(s: ConnectorStatus) => void>();
  private readonly actionStreams = new Map<string, string>();

  constructor(
    readonly config: ConnectorConfig,
    readonly logger: Logger = silentLogger,
    private readonly opts: ConnectorOptions = {},
  ) {
    this.client = new HStreamClient(config, opts);
    this.name = opts.name ?? 'hstreamdb';
  }

  /** Starts the periodic Echo (the first one at once). Does not wait for the cluster. */
  async start(): Promise<void> {
    if (this.stopHealth) return;
    this.stopHealth = startPeriodic(() => this.check().then(() => undefined), this.opts.healthCheckIntervalMs ?? 15_000, 0);
  }

  status(): ConnectorStatus {
    return this.state;
  }

  /** Why the connector is disconnected ('' when connected). */
  reason(): string {
    return this.lastError;
  }

  onStatus(listener: (s: ConnectorStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Echo now; updates and returns the status. */
  async check(): Promise<ConnectorStatus> {
    try {
      await this.client.seedCall('Echo', { msg: 'hello' }, this.config.grpcTimeoutMs);
      this.noteOk();
    } catch (e) {
      this.noteFailure(e, this.client.currentSeed);
    }
    return this.state;
  }

  /** Called by actions after any successful call. */
  noteOk(): void {
    this.lastError = '';
    this.set('connected');
  }

  /** Called by actions after a failed call; only connection-type failures change the status. */
  noteFailure(err: unknown, target: string): void {
    if (isGrpcError(err) && !CONNECTION_CODES.has(err.code)) return;
    const message = isGrpcError(err) ? describeCallError(err, target) : String((err as Error)?.message ?? err);
    if (this.state !== 'disconnected') this.logger.warn({ target, err: message }, 'hstreamdb connection lost');
    this.lastError = message;
    this.set('disconnected');
  }

  private set(s: ConnectorStatus): void {
    if (s === this.state) return;
    const before = this.state;
    this.state = s;
    if (s === 'connected' && before !== 'connecting') this.logger.info({ url: this.config.url }, 'hstreamdb connection restored');
    for (const l of this.listeners) l(s);
  }

  /** Echo and (with a stream) ListShards, with messages for DNS, refused, TLS, auth and unknown-stream failures. */
  testConnection(stream?: string): Promise<ConnectionTestResult> {
    return testConnection(this.client, this.config.grpcTimeoutMs, stream);
  }

  /** Records that action `action` writes to `stream` through this connector (a later action of that name replaces it). */
  useStream(action: string, stream: string): void {
    this.actionStreams.set(action, stream);
  }

  /**
   * The connection test of the sink registry (`POST /api/v5/connectors/{name}/test`). Without a stream it
   * tests every stream its actions write to, so `shardCount` is the real number of active shards (summed
   * over the streams; `streams` has each one's), not the 0 of a bare Echo.
   */
  async test(stream?: string): Promise<ConnectorTestReport> {
    if (stream !== undefined) return this.testConnection(stream);
    const streams = [...new Set(this.actionStreams.values())];
    if (streams.length === 0) return this.testConnection();
    const results = await Promise.all(streams.map((s) => this.testConnection(s)));
    if (results.length === 1) return { ...results[0], streams: { [streams[0]]: results[0].shardCount } };
    return {
      ok: results.every((r) => r.ok),
      message: results.map((r) => r.message).join('; '),
      shardCount: results.reduce((n, r) => n + r.shardCount, 0),
      streams: Object.fromEntries(streams.map((s, i) => [s, results[i].shardCount])),
    };
  }

  /** Stops the health loop and closes every channel. Close the actions first. */
  async close(): Promise<void> {
    this.stopHealth?.();
    this.stopHealth = undefined;
    this.client.close();
    this.listeners.clear();
  }
}

/** Creates the shared connector for one HStreamDB cluster (call `start()` to begin health checks). */
export function createHStreamConnector(config: ConnectorConfig, logger?: Logger, opts?: ConnectorOptions): HStreamConnector {
  return new HStreamConnector(config, logger, opts);
}
