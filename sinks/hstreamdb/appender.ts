/**
 * Where Appends run: the last step of the sink, from an encoded batch (BatchHStreamRecords bytes)
 * to the gRPC call's status. Compression, the AppendRequest framing and grpc-js/HTTP/2 are the
 * costly part of every Append; `append_threads` ≥ 1 runs them in worker threads (append-pool.ts)
 * so the broker's event loop only hands a finished batch over. With 0 they run in the loop
 * (InlineAppender).
 *
 * Contract: `append` never throws; `cb` is called exactly once unless the call was cancelled, with
 * null (stored), a grpc-js-shaped error `{ code, details }` (classified by sinks/retry.ts), or a
 * SinkError when the batch itself cannot be sent (not encodable).
 */
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import type { Channels } from './channels.js';
import type { Compression } from './config.js';
import { appendRequestPrefix, compressBatch, encodeAppendRequest } from './record.js';

/** One Append: the batch's bytes and where they go. */
export interface AppendJob {
  /** host:port of the node that owns the shard. */
  readonly target: string;
  readonly stream: string;
  /** Decimal shard id (64-bit: never a JS number). */
  readonly shardId: string;
  readonly compression: Compression;
  /** Records in the batch. */
  readonly count: number;
  /** Encoded BatchHStreamRecords, uncompressed; its ArrayBuffer is handed over (do not reuse it). */
  readonly batch: Uint8Array;
  readonly timeoutMs: number;
}

export type AppendResult = ServiceError | SinkError | null;
/** `callMs`: how long the gRPC call itself took (hand-over and queueing excluded; 0 when it never started). */
export type AppendCallback = (err: AppendResult, callMs: number) => void;

export interface AppendCall {
  /** Abandons the call; its callback is not called afterwards. */
  cancel(): void;
}

export interface Appender {
  /** Gets ready for the first Append (starts the worker threads). */
  start(): Promise<void>;
  append(job: AppendJob, cb: AppendCallback): AppendCall;
  /** The cluster answered again: channels still in a reconnect backoff start over now. */
  reconnect(): void;
  /** Worker threads restarted after one died (0 for the inline appender). */
  readonly restarts: number;
  close(): Promise<void>;
}

/** A grpc-js-shaped UNAVAILABLE error (retried like an unreachable server). */
export function unavailable(details: string): ServiceError {
  return Object.assign(new Error(details), { code: grpcStatus.UNAVAILABLE, details, metadata: undefined as never });
}

/** Caches the encoded streamName + shardId start of AppendRequests, per shard. */
export class PrefixCache {
  private readonly prefixes = new Map<string, Buffer>();

  get(stream: string, shardId: string): Buffer {
    const k = `${shardId}\0${stream}`;
    let p = this.prefixes.get(k);
    if (p === undefined) {
      if (this.prefixes.size > 4096) this.prefixes.clear(); // shard ids change with every reshard
      p = appendRequestPrefix(stream, shardId);
      this.prefixes.set(k, p);
    }
    return p;
  }
}

/**
 * compress + frame + Append on `client`, as the worker threads and the inline appender both do it.
 * Returns the grpc-js call, or calls `cb` (later) with the error that kept it from starting.
 */
export function startAppend(client: Channels, prefixes: PrefixCache, job: AppendJob, cb: AppendCallback): AppendCall | undefined {
  let req: Buffer;
  try {
    const payload = compressBatch(job.compression, Buffer.from(job.batch.buffer, job.batch.byteOffset, job.batch.byteLength));
    req = encodeAppendRequest(prefixes.get(job.stream, job.shardId), job.compression, job.count, payload, Date.now());
  } catch (e) {
    const err = new SinkError('SINK_RECORD_UNENCODABLE', `batch not encodable: ${(e as Error).message}`, { cause: e });
    setImmediate(() => cb(err, 0));
    return undefined;
  }
  const t0 = performance.now();
  try {
    return client.append(job.target, req, job.timeoutMs, (err) => cb(err, performance.now() - t0));
  } catch (e) {
    // The client is closed or the target is unusable: treat like an unreachable server.
    setImmediate(() => cb(unavailable((e as Error).message), 0));
    return undefined;
  }
}

/** Appends in the caller's event loop (append_threads = 0). */
export class InlineAppender implements Appender {
  readonly restarts = 0;
  private readonly prefixes = new PrefixCache();

  constructor(private readonly client: Channels) {}

  async start(): Promise<void> {}

  reconnect(): void {
    // the connector's own channels, which just answered
  }

  append(job: AppendJob, cb: AppendCallback): AppendCall {
    let cancelled = false;
    const call = startAppend(this.client, this.prefixes, job, (err, ms) => {
      if (!cancelled) cb(err, ms);
    });
    if (call === undefined) return { cancel: () => (cancelled = true) };
    return {
      cancel() {
        cancelled = true;
        call.cancel();
      },
    };
  }

  async close(): Promise<void> {
    // the client's channels are closed by the connector
  }
}
