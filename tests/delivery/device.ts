/**
 * A device for delivery tests and the fault benchmark: a raw MQTT 3.1.1 client that publishes
 * `{"seq": n}` for n = 0, 1, 2... at QoS 1 or 2 with up to `window` messages unacknowledged,
 * records which sequence numbers were acknowledged (PUBACK, or PUBREC for QoS 2), and behaves
 * like a well-made device when the broker closes the connection: it reconnects and resends every
 * unacknowledged message with the DUP flag. Raw bytes keep it exact: nothing is resent or
 * dropped behind the test's back.
 */
import net from 'node:net';
import { ack, connect, publish, PacketReader, CONNACK, PUBACK, PUBREC } from '../support/wire.js';

export interface DeviceOptions {
  /** The broker's MQTT port now (it may change across a broker restart). */
  port: () => number;
  clientId: string;
  /** Topic of every message. */
  topic: string;
  qos?: 1 | 2;
  /** Most messages unacknowledged at once (default 1: publish, wait, publish...). */
  window?: number;
  /** Extra bytes in each payload. */
  padding?: number;
  /** Delay before reconnecting after a close (default 50 ms). */
  reconnectMs?: number;
}

export class SeqDevice {
  /** Sequence numbers the broker acknowledged. */
  readonly acked = new Set<number>();
  /** PUBLISH packets sent, resends included. */
  sent = 0;
  /** PUBLISH packets sent again after a reconnect. */
  resent = 0;
  /** Connections the broker (or the network) closed while the device was running. */
  closes = 0;
  /** Successful connections (CONNACK 0). */
  connects = 0;
  private next = 0;
  private first = 0;
  private count = 0;
  private readonly unacked = new Map<number, number>(); // messageId → seq
  private socket: net.Socket | undefined;
  private connected = false;
  private stopped = true;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  private readonly qos: 1 | 2;
  private readonly window: number;

  constructor(private readonly o: DeviceOptions) {
    this.qos = o.qos ?? 1;
    this.window = o.window ?? 1;
  }

  get clientId(): string {
    return this.o.clientId;
  }

  /** Starts publishing sequence numbers [first, first + count); resolves once connected. */
  start(count: number, first = 0): Promise<void> {
    this.next = first;
    this.first = first;
    this.count = first + count;
    this.stopped = false;
    this.connect();
    return this.until(() => this.connected || this.stopped, 10_000, 'the first CONNACK');
  }

  /** Sequence numbers published at least once so far. */
  get published(): number {
    return this.next;
  }

  /** Resolves once every sequence number up to the count was acknowledged. */
  allAcked(timeoutMs: number): Promise<void> {
    return this.until(
      () => this.acked.size >= this.count - this.first,
      timeoutMs,
      () => `${this.acked.size} of ${this.count} acknowledged`,
    );
  }

  /** Resolves once `pred` holds (checked at every acknowledgement and connection change). */
  until(pred: () => boolean, timeoutMs: number, what: string | (() => string) = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`device ${this.o.clientId}: timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Publishes no new sequence number; what was sent is still resent until acknowledged. */
  finish(): void {
    this.count = this.next;
    this.notify();
  }

  /** Stops publishing and reconnecting; closes the connection (without DISCONNECT). */
  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private notify(): void {
    for (const w of this.waiters.slice()) {
      if (w.pred()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = net.connect(this.o.port(), '127.0.0.1');
    this.socket = socket;
    // A fresh reader per connection: bytes of a packet cut by a close are not carried over.
    const reader = new PacketReader((type, _flags, buf, start, end) => this.onPacket(socket, type, buf.subarray(start, end)));
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(connect(this.o.clientId)));
    socket.on('data', (d) => reader.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.connected) this.closes++;
      this.connected = false;
      this.notify();
      if (!this.stopped) setTimeout(() => this.connect(), this.o.reconnectMs ?? 50).unref();
    });
  }

  private onPacket(socket: net.Socket, type: number, body: Buffer): void {
    if (socket.destroyed) return; // the rest of a chunk after a refused CONNACK
    switch (type) {
      case CONNACK:
        if (body[1] !== 0) {
          socket.destroy();
          return;
        }
        this.connected = true;
        this.connects++;
        // Resend everything not acknowledged, oldest first, with DUP set.
        for (const [id, seq] of [...this.unacked.entries()].sort((a, b) => a[1] - b[1])) {
          socket.write(this.publishPacket(id, seq, true));
          this.sent++;
          this.resent++;
        }
        this.fill(socket);
        this.notify();
        break;
      case PUBACK:
      case PUBREC: {
        const id = body.readUInt16BE(0);
        const seq = this.unacked.get(id);
        if (type === PUBREC) socket.write(ack('pubrel', id));
        if (seq !== undefined) {
          this.unacked.delete(id);
          this.acked.add(seq);
        }
        this.fill(socket);
        this.notify();
        break;
      }
      default:
        break; // PUBCOMP, PINGRESP
    }
  }

  private publishPacket(id: number, seq: number, dup: boolean): Buffer {
    return publish(this.o.topic, { qos: this.qos, id, dup, payload: payloadOf(seq, this.o.padding ?? 0) });
  }

  /** Publishes new sequence numbers while the window has room. */
  private fill(socket: net.Socket): void {
    while (this.connected && !this.stopped && this.unacked.size < this.window && this.next < this.count) {
      const seq = this.next++;
      const id = (seq % 65_000) + 1;
      this.unacked.set(id, seq);
      socket.write(this.publishPacket(id, seq, false));
      this.sent++;
    }
  }
}

export function payloadOf(seq: number, padding: number): Buffer {
  return Buffer.from(padding > 0 ? `{"seq": ${seq}, "pad": "${'x'.repeat(padding)}"}` : `{"seq": ${seq}}`);
}
