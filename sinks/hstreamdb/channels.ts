/**
 * gRPC channels to an HStreamDB cluster: one grpc-js channel per host:port, TLS and basic-auth
 * metadata from the connector settings, and the callback-style Append of the hot path. It loads no
 * proto file, so an Append worker thread (append-worker.ts) uses it with a plain grpc-js client;
 * HStreamClient (client.ts) adds the typed service calls on top.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import type { ConnectorConfig } from './config.js';
import { hostPortKey } from './url.js';

export interface ClientOptions {
  /** grpc-js reconnect backoff after a failed connect (default 1 s, growing to 10 s). */
  reconnectBackoffMs?: { initial: number; max: number };
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

/** The constructor of the per-host client: grpc-js' generic Client, or the HStreamApi service client. */
export type ClientCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;

const APPEND_PATH = '/hstream.server.HStreamApi/Append';
const passThrough = (b: Buffer): Buffer => b;

export class Channels {
  /** The url's hosts as host:port. */
  readonly seeds: readonly string[];
  private readonly channels = new Map<string, grpc.Client>();
  private readonly creds: grpc.ChannelCredentials;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly auth: grpc.Metadata | undefined;
  private closed = false;

  constructor(
    readonly config: ConnectorConfig,
    opts: ClientOptions = {},
    private readonly ctor: () => ClientCtor = () => grpc.Client,
  ) {
    this.seeds = config.hosts.map(hostPortKey);
    this.creds = makeCredentials(config);
    const backoff = opts.reconnectBackoffMs ?? { initial: 1000, max: 10_000 };
    this.channelOptions = {
      'grpc.initial_reconnect_backoff_ms': backoff.initial,
      'grpc.max_reconnect_backoff_ms': backoff.max,
      // Many 1 MiB Appends can be in flight at once (inflight_window); grpc-js' default 10 MB session cap is too small.
      'grpc-node.max_session_memory': 256,
      ...(config.ssl.serverName ? { 'grpc.ssl_target_name_override': config.ssl.serverName, 'grpc.default_authority': config.ssl.serverName } : {}),
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
      const Ctor = this.ctor();
      c = new Ctor(target, this.creds, this.channelOptions);
      this.channels.set(target, c);
    }
    return c;
  }

  /**
   * Drops channels waiting out a reconnect backoff (TRANSIENT_FAILURE): the next call opens a fresh
   * one at once. Used when another channel found the cluster reachable again.
   */
  resetFailed(): void {
    for (const [target, c] of this.channels) {
      if (c.getChannel().getConnectivityState(false) !== grpc.connectivityState.TRANSIENT_FAILURE) continue;
      c.close();
      this.channels.delete(target);
    }
  }

  get channelCount(): number {
    return this.channels.size;
  }

  protected metadata(): grpc.Metadata {
    return this.auth ? this.auth.clone() : new grpc.Metadata();
  }

  /**
   * Append with a callback (no promise per batch). `request` is an already encoded AppendRequest
   * (record.ts encodeAppendRequest); the AppendResponse is not decoded — the sink only needs the
   * status, and decoding one RecordId per record would cost more than the rest of the reply.
   */
  append(target: string, request: Buffer, timeoutMs: number, cb: (err: grpc.ServiceError | null) => void): grpc.ClientUnaryCall {
    const client = this.channel(target);
    return client.makeUnaryRequest<Buffer, Buffer>(
      APPEND_PATH,
      passThrough,
      passThrough,
      request,
      this.metadata(),
      { deadline: Date.now() + timeoutMs },
      (err) => cb(err),
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
  const verify: grpc.VerifyOptions = config.ssl.verify ? {} : { rejectUnauthorized: false, checkServerIdentity: () => undefined };
  return grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null, verify);
}
