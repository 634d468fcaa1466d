/**
 * Append worker threads (append_threads ≥ 1): the broker's event loop hands each finished batch to
 * a worker with one postMessage (its buffer transferred, not copied) and gets one message back per
 * Append. Order per shard needs nothing here: the dispatcher has at most one Append per shard out.
 *
 * A worker that dies (crash, out of memory, terminated) fails its calls in progress as UNAVAILABLE,
 * so the dispatcher retries their batches (counted in `retried`, nothing lost from the counters),
 * and a new worker is started for the next Append. Restarts are counted and logged.
 */
import { Worker } from 'node:worker_threads';
import { SinkError } from '../errors.js';
import { unavailable, type AppendCall, type AppendCallback, type AppendJob, type Appender } from './appender.js';
import type { FromWorker, ToWorker, WorkerInit } from './append-worker.js';
import type { Logger } from '../../common/logger.js';

const WORKER_URL = new URL('./append-worker.js', import.meta.url);

/**
 * A worker holds only the Appends in progress (at most inflight_window × ~1 MiB): a small young
 * generation keeps its idle RSS low (V8's default would let it grow by tens of MB). An out-of-memory
 * worker dies and is restarted like any other.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/** One worker thread and the calls it has in progress. */
class AppendThread {
  worker: Worker | undefined;
  private readonly pending = new Map<number, AppendCallback>();
  private nextId = 1;

  constructor(
    private readonly init: WorkerInit,
    private readonly onLost: (why: string) => void,
  ) {}

  get inProgress(): number {
    return this.pending.size;
  }

  append(job: AppendJob, cb: AppendCallback): AppendCall {
    const w = this.worker ?? this.spawn();
    const id = this.nextId++;
    this.pending.set(id, cb);
    const msg: ToWorker = { t: 'append', id, job };
    w.postMessage(msg, [job.batch.buffer as ArrayBuffer]);
    return {
      cancel: () => {
        if (!this.pending.delete(id)) return;
        this.worker?.postMessage({ t: 'cancel', id } satisfies ToWorker);
      },
    };
  }

  /** Starts the worker if it is not running; resolves once it is ready (or gone). */
  start(): Promise<void> {
    if (this.worker === undefined) this.spawn();
    return this.ready;
  }

  private ready: Promise<void> = Promise.resolve();

  private spawn(): Worker {
    const w = new Worker(WORKER_URL, { workerData: this.init, resourceLimits: WORKER_LIMITS });
    // A worker with open channels must not keep the process alive; close() ends it.
    w.unref();
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    w.once('exit', () => markReady());
    w.on('message', (m: FromWorker) => {
      if (m.id === 0) return markReady();
      const cb = this.pending.get(m.id);
      if (cb === undefined) return;
      this.pending.delete(m.id);
      const ms = m.ms ?? 0;
      if (m.unencodable !== undefined) cb(new SinkError('SINK_RECORD_UNENCODABLE', m.unencodable), ms);
      else if (m.code !== undefined)
        cb(Object.assign(new Error(m.details ?? ''), { code: m.code, details: m.details ?? '', metadata: undefined as never }), ms);
      else cb(null, ms);
    });
    w.on('error', (e) => this.lost(w, `failed: ${e.message}`));
    w.on('exit', (code) => this.lost(w, `exited (code ${code})`));
    this.worker = w;
    return w;
  }

  /** The worker is gone: its calls fail as UNAVAILABLE (retried); the next append starts a new one. */
  private lost(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const cbs = [...this.pending.values()];
    this.pending.clear();
    this.onLost(why);
    for (const cb of cbs) cb(unavailable(`hstreamdb append worker ${why}`), 0);
  }

  reconnect(): void {
    this.worker?.postMessage({ t: 'reconnect' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.pending.clear();
    if (w === undefined) return;
    w.postMessage({ t: 'close' } satisfies ToWorker);
    // A worker stuck in a call would keep closing forever: give it a moment, then end it.
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    const timer = setTimeout(() => void w.terminate(), 1000);
    await exited;
    clearTimeout(timer);
  }
}

export class AppendPool implements Appender {
  private readonly threads: AppendThread[];
  private next = 0;
  private closed = false;
  restarts = 0;

  constructor(
    init: WorkerInit,
    size: number,
    private readonly logger: Logger,
    private readonly name: string,
  ) {
    this.threads = Array.from({ length: size }, () => new AppendThread(init, (why) => this.onLost(why)));
  }

  /** The running worker threads (tests end one to check the restart). */
  get workers(): readonly Worker[] {
    return this.threads.flatMap((t) => (t.worker ? [t.worker] : []));
  }

  async start(): Promise<void> {
    if (!this.closed) await Promise.all(this.threads.map((t) => t.start()));
  }

  append(job: AppendJob, cb: AppendCallback): AppendCall {
    if (this.closed) {
      setImmediate(() => cb(unavailable('HStreamDB client is closed'), 0));
      return { cancel() {} };
    }
    // Round robin; a busy thread is skipped when another one has fewer calls out.
    let t = this.threads[this.next];
    this.next = (this.next + 1) % this.threads.length;
    for (const o of this.threads) if (o.inProgress < t.inProgress) t = o;
    return t.append(job, cb);
  }

  reconnect(): void {
    for (const t of this.threads) t.reconnect();
  }

  private onLost(why: string): void {
    if (this.closed) return;
    this.restarts++;
    this.logger.warn(
      { connector: this.name, restarts: this.restarts, why },
      'hstreamdb append worker thread lost; its Appends are retried and a new thread starts',
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
