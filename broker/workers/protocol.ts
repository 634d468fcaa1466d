/**
 * What the supervisor (the cluster primary of `rulemq start --workers N`) and its workers say to each
 * other over Node's cluster IPC channel. Every message carries a `rulemq` tag, so the channel can be
 * shared with prom-client's AggregatorRegistry, whose messages have their own `type`.
 */

/** Set in each worker's environment: its slot, 1..N. A replacement worker takes the slot of the one it replaces. */
export const WORKER_SLOT_ENV = 'RULEMQ_WORKER_SLOT';

/** Events one worker passes to all the others. */
export type SiblingEvent = 'rules-reload';

export type ToSupervisor =
  /** Start-up finished: every listener is bound (ports by listener name). */
  | { rulemq: 'ready'; ports: Record<string, number> }
  /** A scrape of /metrics reached this worker: the supervisor answers with every worker's metrics. */
  | { rulemq: 'metrics'; id: number }
  | { rulemq: 'broadcast'; event: SiblingEvent };

export type ToWorker =
  | { rulemq: 'metrics'; id: number; text: string; contentType: string }
  | { rulemq: 'metrics'; id: number; error: string }
  | { rulemq: 'sibling'; event: SiblingEvent }
  /** Drain and exit, as on SIGTERM. */
  | { rulemq: 'drain' };

export function isRulemqMessage<T extends { rulemq: string }>(msg: unknown): msg is T {
  return typeof msg === 'object' && msg !== null && typeof (msg as { rulemq?: unknown }).rulemq === 'string';
}
