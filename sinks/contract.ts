/**
 * The contract between the rule runtime and every action (sink).
 *
 * A rule output ("row") is a plain object: keys are the SELECT aliases, values are rule values
 * (string, number, boolean, null for JSON null, undefined for a missing field, Buffer for bytes,
 * arrays and plain objects). The runtime hands each row to every action of the rule through
 * `send`, on the publish hot path: `send` must never block or await, it only enqueues.
 */

/** What the runtime knows about the message that produced a row (for templates and acks). */
export interface ActionEnv {
  /** Name of the rule that produced the row. */
  readonly ruleName: string;
  /**
   * A client's PUBACK/PUBREC waits on this row (ack_mode = 'sink'): the action should send it
   * without waiting for its batch interval. Such rows always come with a `done` callback.
   */
  readonly ackHeld?: boolean;
}

/** Settles one row: `null` once the row is durably written (success), an Error when it failed or was dropped. */
export type RowDone = (error: Error | null) => void;

export type ConnectorStatus = 'connected' | 'connecting' | 'disconnected';

/** Counters with EMQX's names. `dropped` is the sum of `droppedByReason`. */
export interface ActionStats {
  matched: number;
  success: number;
  failed: number;
  dropped: number;
  droppedByReason: Record<string, number>;
  queuing: number;
  queuingBytes: number;
  inflight: number;
  retried: number;
  lateReply: number;
}

export interface Action {
  readonly name: string;
  readonly type: string;
  /**
   * 'sink': a client's QoS 1/2 PUBLISH that produced a row for this action is acknowledged only
   * once `done(null)` was called for the row; a failure closes the client's connection so it
   * resends. Absent or 'broker': acknowledged when the broker has the message.
   */
  readonly ackMode?: 'broker' | 'sink';
  /**
   * Something at most one running action may hold (e.g. a disk buffer directory). On reload, a
   * replaced action holding the same resource is closed before the new one starts.
   */
  readonly exclusiveResource?: string;
  /** Starts connections and workers. Resolves when ready to accept rows (it may still be connecting). */
  start(): Promise<void>;
  /**
   * Hands one row to the action. Never throws into the caller and never awaits.
   * `done`, when given, is called exactly once when the row is settled (written, failed or dropped);
   * the runtime uses it for sync query mode and for ack_mode = 'sink'.
   */
  send(row: Record<string, unknown>, env: ActionEnv, done?: RowDone): void;
  stats(): ActionStats;
  status(): ConnectorStatus;
  /** One state per problem (`ok`, `unreachable`, `stream_missing`...) and what it means, for /readyz and the API. */
  health?(): { state: string; reason: string };
  /** Stops accepting rows, flushes what it can within `graceMs`, closes connections. */
  close(graceMs?: number): Promise<void>;
}

export function emptyStats(): ActionStats {
  return {
    matched: 0,
    success: 0,
    failed: 0,
    dropped: 0,
    droppedByReason: {},
    queuing: 0,
    queuingBytes: 0,
    inflight: 0,
    retried: 0,
    lateReply: 0,
  };
}
