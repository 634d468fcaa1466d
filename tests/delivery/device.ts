/**
 * A device for delivery tests and the fault benchmark: a raw MQTT 3.1.1 client that publishes
 * `{"seq": n}` for n = 0, 1, 2... at QoS 1 or 2 with up to `window` messages unacknowledged,
 * records which sequence numbers were acknowledged (PUBACK, or PUBREC for QoS 2), and behaves
 * like a well-made device when the broker closes the connection: it reconnects and resends every
 * unacknowledged message with the DUP flag. Raw bytes keep it exact: nothing is resent or
 * dropped behind the test's back.
 */
import net from 'node:net';

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
  private buf: Buffer = Buffer.alloc(0);
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
    this.buf = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(connectPacket(this.o.clientId)));
    socket.on('data', (d) => this.onData(socket, d));
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

  private onData(socket: net.Socket, d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const p = readPacket(this.buf);
      if (!p) return;
      this.buf = this.buf.subarray(p.length);
      const type = p.header >> 4;
      switch (type) {
        case 2: // CONNACK
          if (p.body[1] !== 0) {
            socket.destroy();
            return;
          }
          this.connected = true;
          this.connects++;
          // Resend everything not acknowledged, oldest first, with DUP set.
          for (const [id, seq] of [...this.unacked.entries()].sort((a, b) => a[1] - b[1])) {
            socket.write(publishPacket(this.o.topic, id, this.qos, payloadOf(seq, this.o.padding ?? 0), true));
            this.sent++;
            this.resent++;
          }
          this.fill(socket);
          this.notify();
          break;
        case 4: // PUBACK
        case 5: {
          // PUBREC
          const id = p.body.readUInt16BE(0);
          const seq = this.unacked.get(id);
          if (type === 5) socket.write(Buffer.from([0x62, 0x02, id >> 8, id & 0xff])); // PUBREL
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
  }

  /** Publishes new sequence numbers while the window has room. */
  private fill(socket: net.Socket): void {
    while (this.connected && !this.stopped && this.unacked.size < this.window && this.next < this.count) {
      const seq = this.next++;
      const id = (seq % 65_000) + 1;
      this.unacked.set(id, seq);
      socket.write(publishPacket(this.o.topic, id, this.qos, payloadOf(seq, this.o.padding ?? 0), false));
      this.sent++;
    }
  }
}

export function payloadOf(seq: number, padding: number): Buffer {
  return Buffer.from(padding > 0 ? `{"seq": ${seq}, "pad": "${'x'.repeat(padding)}"}` : `{"seq": ${seq}}`);
}

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 60]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

function publishPacket(topic: string, id: number, qos: 1 | 2, payload: Buffer, dup: boolean): Buffer {
  const t = Buffer.from(topic, 'utf8');
  const variable = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from([id >> 8, id & 0xff])]);
  const header = 0x30 | (dup ? 0x08 : 0) | (qos << 1);
  return Buffer.concat([Buffer.from([header]), remainingLength(variable.length + payload.length), variable, payload]);
}

/** One whole packet at the start of `buf`, or undefined when more bytes are needed. */
function readPacket(buf: Buffer): { header: number; body: Buffer; length: number } | undefined {
  if (buf.length < 2) return undefined;
  let len = 0;
  let mul = 1;
  let i = 1;
  for (;;) {
    if (i >= buf.length) return undefined;
    const b = buf[i++];
    len += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) break;
    mul *= 128;
  }
  if (buf.length < i + len) return undefined;
  return { header: buf[0], body: buf.subarray(i, i + len), length: i + len };
}
