import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import type { RunningBroker } from '../../../broker/index.js';

export type TransportName = 'tcp' | 'tls' | 'ws';

/** A raw MQTT byte stream to the broker over one transport, for hand-made packets. */
export interface RawSession {
  write(bytes: Uint8Array): void;
  /** Resolves with the next `n` bytes; rejects when they do not arrive within `timeoutMs` (or the connection closes first). */
  read(n: number, timeoutMs?: number): Promise<Buffer>;
  /** True once the server closed the connection within `timeoutMs`, false if it is still open then. */
  waitClosed(timeoutMs?: number): Promise<boolean>;
  /** Bytes received and not read yet. */
  pending(): Buffer;
  readonly closed: boolean;
  destroy(): void;
}

class Session implements RawSession {
  private buf: Buffer = Buffer.alloc(0);
  closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly writeFn: (b: Uint8Array) => void,
    readonly destroyFn: () => void,
  ) {}

  push(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (const w of this.waiters) w();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w();
  }

  write(b: Uint8Array): void {
    if (!this.closed) this.writeFn(b);
  }

  pending(): Buffer {
    return this.buf;
  }

  read(n: number, timeoutMs = 5000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.buf.length >= n) {
          done();
          const out = this.buf.subarray(0, n);
          this.buf = this.buf.subarray(n);
          resolve(out);
        } else if (this.closed) {
          done();
          reject(new Error(`connection closed after ${this.buf.length} of ${n} bytes (got ${this.buf.toString('hex')})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${n} bytes (got ${this.buf.toString('hex')})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  destroy(): void {
    this.destroyFn();
    this.close();
  }
}

export interface SessionOptions {
  /** CA for TLS (the test CA). */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Opens a raw session to `broker` over `transport` (TLS uses the test CA; WS the `mqtt` subprotocol on /mqtt). */
export function openSession(broker: RunningBroker, transport: TransportName, options: SessionOptions = {}): Promise<RawSession> {
  return new Promise((resolve, reject) => {
    if (transport === 'ws') {
      const ws = new WebSocket(`ws://127.0.0.1:${broker.ports['mqtt-ws']}/mqtt`, 'mqtt');
      const s = new Session(
        (b) => ws.send(b),
        () => ws.terminate(),
      );
      ws.on('message', (d: Buffer) => s.push(Buffer.from(d)));
      ws.on('close', () => s.close());
      ws.on('error', () => s.close());
      ws.once('open', () => resolve(s));
      ws.once('error', reject);
      return;
    }
    const socket =
      transport === 'tls'
        ? tls.connect({ port: broker.ports['mqtt-tls'], host: '127.0.0.1', ca: options.ca, cert: options.cert, key: options.key, servername: 'localhost' })
        : net.connect(broker.ports['mqtt-tcp'], '127.0.0.1');
    const s = new Session(
      (b) => socket.write(b),
      () => socket.destroy(),
    );
    socket.on('data', (d: Buffer) => s.push(d));
    socket.on('close', () => s.close());
    socket.on('error', () => s.close());
    socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => resolve(s));
    socket.once('error', reject);
  });
}

/** Bytes from a hex string with optional spaces: hex('10 0D 0004 4D515454'). */
export function hex(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex: ${text}`);
  return Buffer.from(clean, 'hex');
}
