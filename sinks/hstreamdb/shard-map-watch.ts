/**
 * Finds an action's shard map and keeps checking it: discovery (ListShards + LookupResource) at
 * start, on request (a key no shard covers, an Append answered "shard not found") and with
 * backoff while it fails; a periodic GetStream of the action's stream (health_check_interval).
 * What blocks writing (stream missing, credentials refused) is recognised here and handed to the
 * dispatcher, which fails the rows; a later successful discovery unblocks it.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import { backoffDelay } from '../retry.js';
import { isConnectionFailure } from './connector.js';
import type { DispatchDeps } from './dispatch.js';
import { discoverShards } from './discovery.js';
import { describeCallError, isGrpcError } from './errors.js';
import { startPeriodic } from './health.js';
import type { ShardMap } from './shards.js';

/** What the watch reads and changes in its dispatcher. */
export interface WatchHost {
  state(): 'new' | 'running' | 'closed';
  blocked(): SinkError | undefined;
  hasRouting(): boolean;
  /** Writing works again (a discovery succeeded while blocked). */
  unblock(): unknown;
  applyRouting(map: ShardMap, targets: readonly string[]): void;
  block(err: SinkError): void;
  schedulePump(): void;
}

export class ShardMapWatch {
  /** The discovery in progress (retries of failed batches wait for it). */
  discovering: Promise<void> | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopHealth: (() => void) | undefined;

  constructor(
    private readonly d: DispatchDeps,
    private readonly host: WatchHost,
  ) {}

  start(): void {
    this.stopHealth = startPeriodic(() => this.healthCheck(), this.d.config.healthCheckIntervalMs);
    this.request();
  }

  stopHealthChecks(): void {
    this.stopHealth?.();
  }

  stop(): void {
    this.stopHealth?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Looks the shard map up again now (unless a lookup is in progress). */
  request(): void {
    if (this.discovering || this.host.state() !== 'running') return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.discovering = this.discover().finally(() => {
      this.discovering = null;
    });
  }

  private async discover(): Promise<void> {
    const { connector, config } = this.d;
    const { client } = connector;
    const host = this.host;
    try {
      const { map, targets } = await discoverShards(client, config.stream, connector.config.grpcTimeoutMs);
      if (host.state() === 'closed') return;
      this.attempt = 0;
      connector.noteOk();
      if (host.blocked()) {
        host.unblock();
        this.d.logger.info({ action: this.d.name, stream: config.stream }, 'hstreamdb stream reachable again; writing resumes');
      }
      host.applyRouting(map, targets);
    } catch (e) {
      if (host.state() === 'closed') return;
      const permanent = this.blockingError(e, client.currentSeed);
      if (permanent) {
        host.block(permanent);
      } else if (isConnectionFailure(e)) {
        connector.noteFailure(e, client.currentSeed); // the connector logs the change of state, once
      } else {
        const msg = isGrpcError(e) ? describeCallError(e, client.currentSeed, config.stream) : (e as Error).message;
        this.d.rl.log('warn', 'discover', { action: this.d.name, stream: config.stream, err: msg }, 'hstreamdb shard discovery failed; will retry');
      }
      const blocked = host.blocked() !== undefined;
      if (!host.hasRouting() || blocked) {
        this.attempt++;
        // While blocked, re-check slowly (up to health_check_interval): rows fail meanwhile without RPCs.
        const base = blocked ? 500 : this.d.retryBaseMs;
        const cap = Math.max(base, blocked ? config.healthCheckIntervalMs : this.d.retryMaxMs);
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.request();
          },
          backoffDelay(this.attempt, base, cap),
        );
      }
    } finally {
      host.schedulePump();
    }
  }

  /** The error that blocks writing for a failed discovery / health call, if it is one of those. */
  private blockingError(e: unknown, target: string): SinkError | undefined {
    if (e instanceof SinkError && e.code === 'SINK_STREAM_NOT_FOUND') return e;
    if (!isGrpcError(e)) return undefined;
    if (e.code === grpcStatus.NOT_FOUND) {
      return new SinkError('SINK_STREAM_NOT_FOUND', describeCallError(e, target, this.d.config.stream), { cause: e });
    }
    if (isAuthError(e)) return new SinkError('SINK_UNRECOVERABLE', describeCallError(e, target), { cause: e });
    return undefined;
  }

  private async healthCheck(): Promise<void> {
    const host = this.host;
    if (host.state() !== 'running' || this.discovering) return;
    const { connector, config } = this.d;
    try {
      await connector.client.seedCall('GetStream', { name: config.stream }, connector.config.grpcTimeoutMs);
      connector.noteOk();
      if (host.blocked() || !host.hasRouting()) this.request();
    } catch (e) {
      const permanent = this.blockingError(e, connector.client.currentSeed);
      if (permanent) {
        if (!host.blocked()) host.block(permanent);
      } else {
        connector.noteFailure(e, connector.client.currentSeed);
      }
    }
  }
}

/** Says once, when writing becomes blocked, why and until when. */
export function logBlocked(d: Pick<DispatchDeps, 'logger' | 'name' | 'config'>, err: SinkError): void {
  const what = err.code === 'SINK_STREAM_NOT_FOUND' ? 'hstreamdb stream missing' : 'hstreamdb refused the writes';
  d.logger.error(
    { action: d.name, stream: d.config.stream, err: err.message },
    `${what}; rows fail at once until a re-check (every health_check_interval) succeeds`,
  );
}

export function isAuthError(e: { code: number }): boolean {
  return e.code === grpcStatus.UNAUTHENTICATED || e.code === grpcStatus.PERMISSION_DENIED;
}
