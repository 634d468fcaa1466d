import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PacketGuard, type IncompleteBudget, type PacketInspector } from './packet-guard.js';
import type { Transport } from './types.js';
import { peerAddress } from '../connection-log.js';

/** What a connection's guard checks beyond packet size and the first packet. */
export interface GuardExtras {
  /** A fresh inspector for one new connection. */
  inspector(): PacketInspector;
  /**
   * Bytes to send (a CONNACK or, for MQTT 5, a DISCONNECT with a reason code) before closing for this
   * violation, or null. `chunk` is the chunk that held it (an oversized CONNECT is refused before it is
   * read); `inspector` is the one this connection's guard used.
   */
  replyFor(violation: string, chunk: Uint8Array, inspector: PacketInspector): Uint8Array | null;
}

/**
 * What every guarded connection of a broker shares: limits, counters and callbacks are built once,
 * not once per connection (an idle connection then costs one guard object and one inspector).
 */
export interface GuardSettings {
  readonly maxPacketBytes: number;
  readonly extras?: GuardExtras;
  /** The bound of bytes held in unfinished packets across connections. */
  readonly budget?: IncompleteBudget;
  /** Bytes received on any guarded connection. */
  onBytes?(n: number): void;
  /** A violation closes `guard.conn`; called once, before the reply (if any) is written. */
  onViolation(violation: string, guard: GuardedConnection): void;
  /** The guarded connection closed (its budget share is already released). */
  onClose?(conn: Duplex): void;
}

const GUARD = Symbol('rulemq.guard');

type Guarded = Duplex & { [GUARD]: GuardedConnection };

/**
 * One connection's guard: the PacketGuard's header walk plus what the connection needs around it.
 * Its methods and the two functions below are shared by every connection; only the fields are per
 * connection.
 */
export class GuardedConnection extends PacketGuard {
  /** This connection's share of `settings.budget.held`. */
  held = 0;
  /** Closed by a violation: nothing more is handed to Aedes. */
  closed = false;

  constructor(
    readonly conn: Duplex,
    readonly settings: GuardSettings,
    /** The connection's own `read`, which the guard wraps. */
    readonly read: Duplex['read'],
    inspector: PacketInspector | undefined,
    readonly transport: Transport,
    readonly req: IncomingMessage | undefined,
  ) {
    super(settings.maxPacketBytes, inspector);
  }

  /** The peer as `host:port`, read on demand (only a violation's log line needs it). */
  remoteAddress(): string | undefined {
    return peerAddress((this.req?.socket ?? this.conn) as { remoteAddress?: string; remotePort?: number });
  }
}

/**
 * Puts a PacketGuard in front of Aedes on one connection. Aedes pulls bytes with `conn.read()` on
 * 'readable'; replacing that one method sees every chunk before the MQTT parser does, without an
 * extra stream hop (a Transform per connection costs measurable throughput). The replacement and
 * the close listener are the same two functions for every connection; they find the connection's
 * guard on the stream itself, so a connection adds no closure of its own.
 */
export function guardConnection(conn: Duplex, settings: GuardSettings, transport: Transport, req?: IncomingMessage): GuardedConnection {
  const guard = new GuardedConnection(conn, settings, conn.read, settings.extras?.inspector(), transport, req);
  (conn as Guarded)[GUARD] = guard;
  conn.read = guardedRead as Duplex['read'];
  conn.on('close', guardedClose);
  return guard;
}

function guardedRead(this: Guarded, size?: number): Buffer | string | null {
  const guard = this[GUARD];
  if (guard.closed) return null;
  const chunk = guard.read.call(this, size) as Buffer | string | null;
  if (chunk === null || typeof chunk === 'string') return chunk;
  const settings = guard.settings;
  if (settings.onBytes) settings.onBytes(chunk.length);
  let violation = guard.check(chunk);
  const budget = settings.budget;
  if (violation === null && budget) {
    const pending = guard.pending();
    budget.held += pending - guard.held;
    guard.held = pending;
    if (pending > 0 && budget.held > budget.maxBytes) violation = 'incomplete_packets_budget';
  }
  if (violation === null) return chunk;
  guard.closed = true;
  settings.onViolation(violation, guard);
  const reply = settings.extras && guard.inspector ? settings.extras.replyFor(violation, chunk, guard.inspector) : null;
  if (reply === null) {
    this.destroy();
  } else {
    // The spec asks for a CONNACK (or an MQTT 5 DISCONNECT) before the close [MQTT-3.1.2-2] [MQTT-3.1.3-9] [MQTT-4.13.1-1]: flush it, then close.
    const timer = setTimeout(() => this.destroy(), 2000);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.end(reply, () => this.destroy());
  }
  return null;
}

function guardedClose(this: Guarded): void {
  const guard = this[GUARD];
  const budget = guard.settings.budget;
  if (budget) {
    budget.held -= guard.held;
    guard.held = 0;
  }
  guard.settings.onClose?.(this);
}
