/**
 * Reads the MQTT fixed header of every packet a connection sends, before the bytes reach Aedes'
 * parser, so that:
 *  - a packet whose declared size exceeds the limit closes the connection at once (bare Aedes would
 *    buffer the whole declared size: 4 clients × 50 MiB grew it by +215 MiB);
 *  - the first packet must be CONNECT [MQTT-3.1.0-1];
 *  - a malformed Remaining Length (more than 4 bytes) closes the connection [MQTT-2.2.3].
 *
 * It only walks headers and skips over bodies by offset: no copy, no per-packet allocation.
 *
 * With a PacketInspector (broker/validation/inspector.ts) it also hands the inspector each fixed
 * header and the body fields it asks for: in place when a field lies inside one chunk, copied into a
 * small per-connection buffer only when a field straddles two chunks. Payloads are still skipped.
 */

const enum State {
  Header,
  Length,
  Body,
  /** Skipping `skip` bytes the inspector does not read, then collecting `need` bytes. */
  Skip,
  /** Collecting `need` body bytes for the inspector. */
  Collect,
}

export type GuardViolation = 'packet_too_large' | 'first_packet_not_connect' | 'malformed_length' | 'incomplete_packets_budget';

/**
 * Looks inside packets for the guard. Results: a string is a violation (the connection closes and
 * the string is its reason); a number is how many body bytes the next `segment()` call needs (0 = the
 * rest of the body is not inspected).
 */
export interface PacketInspector {
  /** A fixed header was read: first byte and Remaining Length. */
  header(byte0: number, bodyLength: number): number | string;
  /** Exactly the bytes asked for, at buf[start, start + length). */
  segment(buf: Uint8Array, start: number, length: number): number | string;
  /** Body bytes to skip before the next segment; the guard reads and resets it after each call. */
  skip: number;
}

export class PacketGuard {
  private state = State.Header;
  private first = true;
  private byte0 = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private need = 0;
  private skip = 0;
  private collected = 0;
  private scratch: Buffer | null = null;

  constructor(
    private readonly maxPacketBytes: number,
    /** Read by the connection's violation reply (broker/listeners/guard-connection.ts). */
    readonly inspector?: PacketInspector,
  ) {}

  /**
   * Bytes of the packet in progress received so far (0 between packets): what the MQTT parser
   * behind the guard holds for this connection until the packet is complete.
   */
  pending(): number {
    switch (this.state) {
      case State.Header:
        return 0;
      case State.Length:
        return 1 + this.lengthBytes;
      default:
        return 1 + this.lengthBytes + (this.length - this.remaining) + this.collected;
    }
  }

  /** Scans one chunk; returns the violation that must close the connection, or null. */
  check(buf: Uint8Array): string | null {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Header: {
          this.byte0 = buf[i];
          if (this.first) {
            if (this.byte0 >> 4 !== 1) return 'first_packet_not_connect'; // [MQTT-3.1.0-1]
            this.first = false;
          }
          this.state = State.Length;
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          i++;
          break;
        }
        case State.Length: {
          const b = buf[i++];
          this.length += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (b & 0x80) {
            if (this.lengthBytes === 4) return 'malformed_length';
            break;
          }
          if (1 + this.lengthBytes + this.length > this.maxPacketBytes) return 'packet_too_large';
          this.remaining = this.length;
          if (this.inspector) {
            const r = this.inspector.header(this.byte0, this.length);
            if (typeof r === 'string') return r;
            if (r > 0) {
              this.need = r;
              this.collected = 0;
              this.state = State.Collect;
              break;
            }
          }
          this.state = this.remaining > 0 ? State.Body : State.Header;
          break;
        }
        case State.Body: {
          const skip = Math.min(this.remaining, n - i);
          i += skip;
          this.remaining -= skip;
          if (this.remaining === 0) this.state = State.Header;
          break;
        }
        case State.Skip: {
          const skip = Math.min(this.skip, n - i);
          i += skip;
          this.skip -= skip;
          this.remaining -= skip;
          if (this.skip === 0) this.state = State.Collect;
          break;
        }
        case State.Collect: {
          let r: number | string;
          if (this.collected === 0 && n - i >= this.need) {
            // The whole field is in this chunk: inspect it in place.
            r = this.inspector!.segment(buf, i, this.need);
            i += this.need;
          } else {
            const take = Math.min(this.need - this.collected, n - i);
            if (this.scratch === null || this.scratch.length < this.need) this.scratch = Buffer.allocUnsafe(Math.max(this.need, 64));
            this.scratch.set(buf.subarray(i, i + take), this.collected);
            this.collected += take;
            i += take;
            if (this.collected < this.need) return null; // the rest arrives in a later chunk
            r = this.inspector!.segment(this.scratch, 0, this.need);
            this.collected = 0;
            if (this.scratch.length > 4096) this.scratch = null; // do not pin a large buffer per connection
          }
          if (typeof r === 'string') return r;
          this.remaining -= this.need;
          const skip = this.inspector!.skip;
          this.inspector!.skip = 0;
          if (r === 0) {
            this.state = this.remaining > 0 ? State.Body : State.Header;
          } else {
            this.need = r;
            this.skip = skip;
            this.state = skip > 0 ? State.Skip : State.Collect;
          }
          break;
        }
      }
    }
    return null;
  }
}

/**
 * The bytes held in unfinished packets across all connections, and their bound: without it, many
 * connections that each start a large PUBLISH and never finish it (keep alive can be 18 hours) hold
 * memory together that no per-packet limit catches. The connection whose bytes push the total over
 * the bound is closed (`incomplete_packets_budget`).
 */
export class IncompleteBudget {
  held = 0;
  constructor(readonly maxBytes: number) {}
}
