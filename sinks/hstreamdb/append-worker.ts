/**
 * The body of an Append worker thread (started by append-pool.ts): its own grpc-js channels to the
 * cluster, and for each batch the main thread hands over, compression, framing and the Append.
 * Messages in: { t: 'append', id, job } (job.batch's buffer transferred), { t: 'cancel', id },
 * { t: 'reconnect' } (drop channels in reconnect backoff), { t: 'close' }. Messages out: { id, code?, details?, unencodable? } — no code means stored.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientUnaryCall, ServiceError } from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import { startAppend, PrefixCache, type AppendJob, type AppendResult } from './appender.js';
import { Channels, type ClientOptions } from './channels.js';
import type { ConnectorConfig } from './config.js';
import { loadZstd } from './record.js';

export interface WorkerInit {
  readonly config: ConnectorConfig;
  readonly clientOptions: ClientOptions;
}

export type ToWorker =
  | { readonly t: 'append'; readonly id: number; readonly job: AppendJob }
  | { readonly t: 'cancel'; readonly id: number }
  | { readonly t: 'reconnect' }
  | { readonly t: 'close' };

export interface FromWorker {
  /** 0: the worker is ready (sent once, after start-up). */
  readonly id: number;
  /** Duration of the gRPC call in ms. */
  readonly ms?: number;
  /** gRPC status code of a failed Append. */
  readonly code?: number;
  readonly details?: string;
  /** The batch could not be compressed or framed (message). */
  readonly unencodable?: string;
}

const port = parentPort!;
const init = workerData as WorkerInit;
// grpc-js' generic client: Appends need no proto file, so the thread does not load one.
const client = new Channels(init.config, init.clientOptions);
const prefixes = new PrefixCache();
const calls = new Map<number, ClientUnaryCall | undefined>();
let zstdReady = false;

function reply(id: number, err: AppendResult, ms: number): void {
  if (!calls.has(id)) return; // cancelled
  calls.delete(id);
  let msg: FromWorker;
  if (err === null) msg = { id, ms };
  else if (err instanceof SinkError) msg = { id, ms, unencodable: err.message };
  else msg = { id, ms, code: (err as ServiceError).code, details: (err as ServiceError).details ?? err.message };
  port.postMessage(msg);
}

async function append(id: number, job: AppendJob): Promise<void> {
  calls.set(id, undefined);
  if (job.compression === 'zstd' && !zstdReady) {
    await loadZstd();
    zstdReady = true;
    if (!calls.has(id)) return;
  }
  const call = startAppend(client, prefixes, job, (err, ms) => reply(id, err, ms));
  if (call !== undefined && calls.has(id)) calls.set(id, call as ClientUnaryCall);
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'append':
      append(m.id, m.job).catch((e: unknown) => reply(m.id, new SinkError('SINK_RECORD_UNENCODABLE', (e as Error).message), 0));
      return;
    case 'cancel': {
      const call = calls.get(m.id);
      calls.delete(m.id);
      call?.cancel();
      return;
    }
    case 'reconnect':
      client.resetFailed();
      return;
    case 'close':
      client.close();
      port.close();
      return;
  }
});

/** EchoRequest{msg = "hello"}, encoded by hand: this thread loads no proto file. */
const ECHO_REQUEST = Buffer.from([0x0a, 5, ...Buffer.from('hello')]);
const WARM_UP_MS = 1000;

/**
 * Warms up before saying ready: one Echo per seed host (answered or not, within a second) opens the
 * HTTP/2 session and runs grpc-js' call path once, so the first Append does not pay for a cold
 * thread inside its deadline.
 */
function warmUp(): Promise<void> {
  return Promise.all(
    client.seeds.map(
      (seed) =>
        new Promise<void>((resolve) => {
          try {
            client.channel(seed).makeUnaryRequest<Buffer, Buffer>(
              '/hstream.server.HStreamApi/Echo',
              (b) => b,
              (b) => b,
              ECHO_REQUEST,
              { deadline: Date.now() + Math.min(WARM_UP_MS, init.config.grpcTimeoutMs) },
              () => resolve(),
            );
          } catch {
            resolve();
          }
        }),
    ),
  ).then(() => undefined);
}

void warmUp().then(() => port.postMessage({ id: 0 } satisfies FromWorker));
