/**
 * gRPC access to an HStreamDB cluster: one grpc-js channel per host:port (shared by every action
 * of a connector), TLS and basic-auth metadata from the connector settings, promise-style unary
 * calls with deadlines and a callback-style Append for the hot path.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import type { ConnectorConfig } from './config.js';
import { hstreamService } from './proto.js';
import { hostPortKey } from './url.js';

export type RpcName =
  | 'Echo' | 'CreateStream' | 'DeleteStream' | 'GetStream' | 'ListStreams' | 'LookupShard' | 'Append'
  | 'ListShards' | 'DescribeCluster' | 'LookupResource';

export interface ClientOptions {
  /** grpc-js reconnect backoff after a failed connect (default 1 s, growing to 10 s). */
  reconnectBackoffMs?: { initial: number; max: number };
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

type UnaryMethod = (
  req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

const APPEND_PATH = '/hstream.server.HStreamApi/Append';
const passThrough = (b: Buffer): Buffer => b;

/** Status codes after which the next seed host is worth trying. */
const TRY_NEXT_SEED = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

export class HStreamClient {
  /** The url's hosts as host:port. */
  readonly seeds: readonly string[];
  private readonly channels = new Map<string, grpc.Client>();
  private readonly creds: grpc.ChannelCredentials;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly auth: grpc.Metadata | undefined;
  private seedIndex = 0;
  private closed = false;

  constructor(readonly config: ConnectorConfig, opts: ClientOptions = {}) {
    this.seeds = config.hosts.map(hostPortKey);
    this.creds = makeCredentials(config);
    const backoff = opts.reconnectBackoffMs ?? { initial: 1000, max: 10_000 };
    this.channelOptions = {
      'grpc.initial_reconnect_backoff_ms': backoff.initial,
      'grpc.max_reconnect_backoff_ms': backoff.max,
      // Many 1 MiB Appends can be in flight at once (inflight_window); grpc-js' default 10 MB session cap is too small.
      'grpc-node.max_session_memory': 256,
      ...(config.ssl.serverName
        ? { 'grpc.ssl_target_name_override': config.ssl.serverName, 'grpc.default_authority': config.ssl.serverName }
        : {}),
      ...opts.channelOptions,
    };
    if (config.username !== undefined) {
      this.auth = new grpc.Metadata();
      const token = Buffer.from(`${config.username}:${config.password ?? ''}`, 'utf8').toString('base64');
      this.auth.set('authorization', `Basic ${token}`);
    }
  }

  /** The cached channel (client) for host:port, created on first use. */
  channel(target: string): grpc.Client {
    let c = this.channels.get(target);
    if (!c) {
      if (this.closed) throw new Error('HStreamDB client is closed');
      const Ctor = hstreamService();
      c = new Ctor(target, this.creds, this.channelOptions);
      this.channels.set(target, c);
    }
    return c;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  private metadata(): grpc.Metadata {
    return this.auth ? this.auth.clone() : new grpc.Metadata();
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

  /**
   * Append with a callback (no promise per batch). `request` is an already encoded AppendRequest
   * (record.ts encodeAppendRequest); the AppendResponse is not decoded — the sink only needs the
   * status, and decoding one RecordId per record would cost more than the rest of the reply.
   */
  append(
    target: string, request: Buffer, timeoutMs: number, cb: (err: grpc.ServiceError | null) => void,
  ): grpc.ClientUnaryCall {
    const client = this.channel(target);
    return client.makeUnaryRequest<Buffer, Buffer>(
      APPEND_PATH, passThrough, passThrough, request, this.metadata(), { deadline: Date.now() + timeoutMs }, (err) => cb(err),
    );
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }
}

function readTlsFile(key: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SinkError('SINK_TLS_FILES', `cannot read ${key} '${file}': ${(e as Error).message}`, { cause: e });
  }
}

function makeCredentials(config: ConnectorConfig): grpc.ChannelCredentials {
  if (!config.tls) return grpc.credentials.createInsecure();
  const ca = readTlsFile('ssl_ca', config.ssl.caFile);
  const cert = readTlsFile('ssl_cert', config.ssl.certFile);
  const key = readTlsFile('ssl_key', config.ssl.keyFile);
  const verify: grpc.VerifyOptions = config.ssl.verify
    ? {}
    : { rejectUnauthorized: false, checkServerIdentity: () => undefined };
  return grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null, verify);
}
