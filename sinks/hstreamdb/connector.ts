/**
 * An HStreamDB connector: the shared part of every action that writes to one cluster — the
 * gRPC channels (one per host:port), the connection status from a periodic Echo, and the
 * connection test.
 *
 * The connection has one log line per change of state, and only for reachability: "connected"
 * (first success), "not reachable" (never connected yet), "connection lost" (after a success),
 * "connection restored". A server that answers but refuses (stream missing, credentials) is
 * connected; the action reports that problem itself (dispatch.ts, blocked state).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ConnectorStatus } from '../contract.js';
import { SinkError } from '../errors.js';
import { AppendPool } from './append-pool.js';
import { InlineAppender, type Appender } from './appender.js';
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

/** A failure that says "the server is not reachable" (as opposed to an answer such as NOT_FOUND). */
export function isConnectionFailure(err: unknown): boolean {
  return isGrpcError(err) ? CONNECTION_CODES.has(err.code) : !(err instanceof SinkError);
}

export class HStreamConnector {
  readonly type = 'hstreamdb';
  readonly name: string;
  readonly client: HStreamClient;
  /** Runs the Appends of every action on this connector (worker threads unless append_threads = 0). */
  readonly appender: Appender;
  private state: ConnectorStatus = 'connecting';
  private lastError = '';
  /** A call has succeeded since start: a later failure is a lost connection, not an unreachable server. */
  private everConnected = false;
  private stopHealth: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private echoing = false;
  private readonly listeners = new Set<(s: ConnectorStatus) => void>();
  private readonly actionStreams = new Map<string, string>();

  constructor(
    readonly config: ConnectorConfig,
    readonly logger: Logger = silentLogger,
    private readonly opts: ConnectorOptions = {},
  ) {
    this.client = new HStreamClient(config, opts);
    this.name = opts.name ?? 'hstreamdb';
    // Channels reconnect on their own backoff: when any call finds the cluster again (an Echo, or an Append
    // on a worker thread's own connection), the others start over at once instead of failing fast until
    // their backoff ends (a health check failing that way would report the connection lost again).
    this.listeners.add((s) => {
      if (s !== 'connected') return;
      this.client.resetFailed();
      this.appender.reconnect();
    });
    this.appender =
      config.appendThreads > 0
        ? new AppendPool(
            { config, clientOptions: { reconnectBackoffMs: opts.reconnectBackoffMs, channelOptions: opts.channelOptions } },
            config.appendThreads,
            logger,
            this.name,
          )
        : new InlineAppender(this.client);
  }

  /** Starts the Append worker threads and the periodic Echo (the first one at once). Does not wait for the cluster. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      this.stopHealth = startPeriodic(() => this.check().then(() => undefined), this.opts.healthCheckIntervalMs ?? 15_000, 0);
      await this.appender.start();
    })();
    return this.starting;
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

  /**
   * An Append failed. Appends run on their own channels (worker threads), which reconnect on their
   * own schedule: instead of flipping the status per failed Append, an Echo (one at a time) decides
   * whether the cluster is unreachable. Retries of the batch are the action's business.
   */
  noteAppendFailure(err: unknown): void {
    if (!isConnectionFailure(err) || this.echoing) return;
    this.echoing = true;
    void this.check().finally(() => (this.echoing = false));
  }

  /** Called by actions after a failed call; only connection-type failures change the status. */
  noteFailure(err: unknown, target: string): void {
    if (!isConnectionFailure(err)) return;
    const message = isGrpcError(err) ? describeCallError(err, target) : String((err as Error)?.message ?? err);
    if (this.state !== 'disconnected') {
      if (this.everConnected) this.logger.warn({ target, err: message }, 'hstreamdb connection lost');
      else this.logger.warn({ target, err: message }, 'hstreamdb not reachable; retrying in the background');
    }
    this.lastError = message;
    this.set('disconnected');
  }

  private set(s: ConnectorStatus): void {
    if (s === this.state) return;
    this.state = s;
    if (s === 'connected') {
      this.logger.info({ connector: this.name, url: this.config.url }, this.everConnected ? 'hstreamdb connection restored' : 'hstreamdb connected');
      this.everConnected = true;
    }
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
    await this.appender.close();
    this.client.close();
    this.listeners.clear();
  }
}

/** Creates the shared connector for one HStreamDB cluster (call `start()` to begin health checks). */
export function createHStreamConnector(config: ConnectorConfig, logger?: Logger, opts?: ConnectorOptions): HStreamConnector {
  return new HStreamConnector(config, logger, opts);
}
