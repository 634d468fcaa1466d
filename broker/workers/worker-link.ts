import { isRulemqMessage, type SiblingEvent, type ToSupervisor, type ToWorker } from './protocol.js';

/** What a plugin sees of the node's other workers; null in a process that serves alone. */
export interface WorkerRole {
  /** This worker's slot, 1..count. */
  readonly slot: number;
  readonly count: number;
  /** Tells every other worker that `event` happened here (this one has handled it already). */
  broadcast(event: SiblingEvent): void;
  /** Runs `fn` when another worker broadcasts `event`. */
  onSibling(event: SiblingEvent, fn: () => void): void;
}

/**
 * A worker's side of the IPC channel to the supervisor: readiness, /metrics for the whole node,
 * sibling events, and the drain request.
 */
export class WorkerLink implements WorkerRole {
  private nextId = 1;
  private readonly pendingMetrics = new Map<number, { resolve(v: { text: string; contentType: string }): void; reject(e: Error): void }>();
  private readonly siblingHandlers = new Map<SiblingEvent, Array<() => void>>();
  private drainHandler: (() => void) | null = null;
  /** A drain asked for while this worker was still starting (another worker failed to start). */
  private drainAsked = false;

  constructor(
    readonly slot: number,
    readonly count: number,
  ) {
    process.on('message', (msg: unknown) => {
      if (isRulemqMessage<ToWorker>(msg)) this.receive(msg);
    });
  }

  announceReady(ports: Record<string, number>): void {
    this.send({ rulemq: 'ready', ports });
  }

  /** The exposition text of every worker's registry together, and the supervisor's own metrics. */
  clusterMetrics(timeoutMs = 10_000): Promise<{ text: string; contentType: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingMetrics.delete(id);
        reject(new Error(`the supervisor did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingMetrics.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send({ rulemq: 'metrics', id });
    });
  }

  broadcast(event: SiblingEvent): void {
    this.send({ rulemq: 'broadcast', event });
  }

  onSibling(event: SiblingEvent, fn: () => void): void {
    const list = this.siblingHandlers.get(event) ?? [];
    list.push(fn);
    this.siblingHandlers.set(event, list);
  }

  onDrain(fn: () => void): void {
    this.drainHandler = fn;
    if (this.drainAsked) fn();
  }

  private receive(msg: ToWorker): void {
    switch (msg.rulemq) {
      case 'metrics': {
        const pending = this.pendingMetrics.get(msg.id);
        if (!pending) return;
        this.pendingMetrics.delete(msg.id);
        if ('error' in msg) pending.reject(new Error(msg.error));
        else pending.resolve({ text: msg.text, contentType: msg.contentType });
        return;
      }
      case 'sibling':
        for (const fn of this.siblingHandlers.get(msg.event) ?? []) fn();
        return;
      case 'drain':
        this.drainAsked = true;
        this.drainHandler?.();
        return;
    }
  }

  private send(msg: ToSupervisor): void {
    // The channel is gone once the supervisor has exited; this worker is then on its way out too.
    if (process.connected) process.send?.(msg);
  }
}
