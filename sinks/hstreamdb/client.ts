/**
 * gRPC access to an HStreamDB cluster: the channels of channels.ts (one per host:port, shared by
 * every action of a connector) with the HStreamApi service, and promise-style unary calls with
 * deadlines that fall over to the next seed host.
 */
import * as grpc from '@grpc/grpc-js';
import { Channels, type ClientOptions } from './channels.js';
import type { ConnectorConfig } from './config.js';
import { hstreamService } from './proto.js';

export type { ClientOptions } from './channels.js';

export type RpcName =
  | 'Echo'
  | 'CreateStream'
  | 'DeleteStream'
  | 'GetStream'
  | 'ListStreams'
  | 'LookupShard'
  | 'Append'
  | 'ListShards'
  | 'DescribeCluster'
  | 'LookupResource';

type UnaryMethod = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

/** Status codes after which the next seed host is worth trying. */
const TRY_NEXT_SEED = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

export class HStreamClient extends Channels {
  private seedIndex = 0;

  constructor(config: ConnectorConfig, opts: ClientOptions = {}) {
    super(config, opts, hstreamService);
  }

  /** A unary call with a deadline; rejects with the grpc-js ServiceError. */
  unary<Res>(target: string, method: RpcName, req: unknown, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      let fn: UnaryMethod;
      let client: grpc.Client;
      try {
        client = this.channel(target);
        fn = (client as unknown as Record<string, UnaryMethod>)[method];
      } catch (e) {
        reject(e);
        return;
      }
      fn.call(client, req, this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res as Res);
      });
    });
  }

  /**
   * A unary call to the url's hosts: starts with the last one that answered and moves on to the
   * next when a host is unreachable. Other errors (NOT_FOUND, …) are answers and are returned at once.
   */
  async seedCall<Res>(method: RpcName, req: unknown, timeoutMs: number): Promise<{ res: Res; target: string }> {
    let lastErr: unknown;
    for (let i = 0; i < this.seeds.length; i++) {
      const idx = (this.seedIndex + i) % this.seeds.length;
      const target = this.seeds[idx];
      try {
        const res = await this.unary<Res>(target, method, req, timeoutMs);
        this.seedIndex = idx;
        return { res, target };
      } catch (e) {
        lastErr = e;
        const code = (e as { code?: number }).code;
        if (code === undefined || !TRY_NEXT_SEED.has(code)) throw e;
      }
    }
    throw lastErr;
  }

  /** The seed host tried first by seedCall. */
  get currentSeed(): string {
    return this.seeds[this.seedIndex];
  }
}
