/**
 * The body of an Append worker thread (started by append-pool.ts): its own grpc-js channels to the
 * cluster, and for each batch the main thread hands over, compression, framing and the Append.
 * Messages in: { t: 'append', id, job } (job.batch's buffer transferred), { t: 'cancel', id },
 * { t: 'close' }. Messages out: { id, code?, details?, unencodable? } — no code means stored.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientUnaryCall, ServiceError } from '@grpc/grpc-js';
import { SinkError } from '../errors.js';
import { startAppend, PrefixCache, type AppendJob, type AppendResult } from './appender.js';
import { HStreamClient, type ClientOptions } from './client.js';
import type { ConnectorConfig } from './config.js';
import { loadZstd } from './record.js';

export interface WorkerInit {
  readonly config: ConnectorConfig;
  readonly clientOptions: ClientOptions;
}

export type ToWorker =
  | { readonly t: 'append'; readonly id: number; readonly job: AppendJob }
  | { readonly t: 'cancel'; readonly id: number }
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
const client = new HStreamClient(init.config, init.clientOptions);
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
    case 'close':
      client.close();
      port.close();
      return;
  }
});

// Warm up before saying ready: load the service definition and open a channel to each seed host,
// so the first Append does not pay for them inside its deadline.
for (const seed of client.seeds) client.channel(seed).getChannel().getConnectivityState(true);
port.postMessage({ id: 0 } satisfies FromWorker);
