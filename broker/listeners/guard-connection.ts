import type { Duplex } from 'node:stream';
import { PacketGuard, type IncompleteBudget, type PacketInspector } from './packet-guard.js';

/** What a connection's guard checks beyond packet size and the first packet. */
export interface GuardExtras {
  inspector: PacketInspector;
  /** Bytes to send (a CONNACK with a refusal code) before closing for this violation, or null. */
  replyFor(violation: string): Uint8Array | null;
}

/**
 * Puts a PacketGuard in front of Aedes on one connection. Aedes pulls bytes with `conn.read()` on
 * 'readable'; wrapping that one method sees every chunk before the MQTT parser does, without an
 * extra stream hop (a Transform per connection costs measurable throughput).
 */
export function guardConnection(
  conn: Duplex,
  maxPacketBytes: number,
  onViolation: (violation: string) => void,
  onBytes?: (n: number) => void,
  extras?: GuardExtras,
  budget?: IncompleteBudget,
): void {
  const guard = new PacketGuard(maxPacketBytes, extras?.inspector);
  /** This connection's share of `budget.held`. */
  let held = 0;
  if (budget) conn.once('close', () => (budget.held -= held));
  const read = conn.read;
  let closed = false;
  conn.read = function guardedRead(this: Duplex, size?: number) {
    if (closed) return null;
    const chunk = read.call(this, size) as Buffer | string | null;
    if (chunk === null || typeof chunk === 'string') return chunk;
    if (onBytes) onBytes(chunk.length);
    let violation = guard.check(chunk);
    if (violation === null && budget) {
      const pending = guard.pending();
      budget.held += pending - held;
      held = pending;
      if (pending > 0 && budget.held > budget.maxBytes) violation = 'incomplete_packets_budget';
    }
    if (violation !== null) {
      closed = true;
      onViolation(violation);
      const reply = extras?.replyFor(violation) ?? null;
      if (reply === null) {
        this.destroy();
      } else {
        // The spec asks for a CONNACK before the close [MQTT-3.1.2-2] [MQTT-3.1.3-9]: flush it, then close.
        const timer = setTimeout(() => this.destroy(), 2000);
        timer.unref();
        this.once('close', () => clearTimeout(timer));
        this.end(reply, () => this.destroy());
      }
      return null;
    }
    return chunk;
  } as Duplex['read'];
}
