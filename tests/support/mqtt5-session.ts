import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { encode } from './wire.js';

/**
 * A raw MQTT 5 connection for tests that must see exact packets (reason codes, properties, what
 * the broker does not send): well-formed packets are encoded by ./wire.ts, hand-made bytes
 * (`malformed.*` there) go through `writeBytes`. Received packets are parsed with mqtt-packet as a v5 client would.
 */
export interface Mqtt5Session {
  send(packet: Record<string, unknown>): void;
  writeBytes(bytes: Uint8Array): void;
  /** Resolves with the next received packet of type `cmd` (earlier ones of other types are kept). */
  next(cmd: string, timeoutMs?: number): Promise<Packet & Record<string, unknown>>;
  /** Packets received so far, of type `cmd`. */
  received(cmd: string): Array<Packet & Record<string, unknown>>;
  /** Resolves true when the broker closed the connection within timeoutMs. */
  waitClosed(timeoutMs?: number): Promise<boolean>;
  /** A parse error of what the broker sent (a v5 client would drop the connection), or null. */
  readonly parseError: Error | null;
  destroy(): void;
}

export async function openMqtt5(port: number): Promise<Mqtt5Session> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const got: Array<Packet & Record<string, unknown>> = [];
  const taken = new Set<object>();
  let parseError: Error | null = null;
  let closed = false;
  const wake = new Set<() => void>();
  parser.on('packet', (p: Packet) => {
    got.push(p as Packet & Record<string, unknown>);
    for (const w of wake) w();
  });
  parser.on('error', (e: Error) => (parseError = e));
  socket.on('data', (d) => parser.parse(d));
  socket.on('close', () => {
    closed = true;
    for (const w of wake) w();
  });
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const done = () => {
        const v = check();
        if (v === undefined) return false;
        clearTimeout(timer);
        wake.delete(poll);
        resolve(v);
        return true;
      };
      const poll = () => void done();
      const timer = setTimeout(() => {
        wake.delete(poll);
        reject(new Error(`timed out waiting for ${what}; got ${got.map((p) => p.cmd).join(',')}`));
      }, timeoutMs);
      if (!done()) wake.add(poll);
    });
  return {
    send: (packet) => socket.write(encode(packet, 5)),
    writeBytes: (bytes) => socket.write(bytes),
    next: (cmd, timeoutMs = 5000) =>
      waitFor(
        () => {
          const p = got.find((x) => x.cmd === cmd && !taken.has(x));
          if (p) taken.add(p);
          return p;
        },
        timeoutMs,
        cmd,
      ),
    received: (cmd) => got.filter((p) => p.cmd === cmd),
    waitClosed: (timeoutMs = 5000) => waitFor(() => (closed ? true : undefined), timeoutMs, 'close').catch(() => false),
    get parseError() {
      return parseError;
    },
    destroy: () => socket.destroy(),
  };
}

/** Opens a session and completes a v5 CONNECT; resolves with the session and its CONNACK. */
export async function connectMqtt5(
  port: number,
  connect: Record<string, unknown> = {},
): Promise<{ s: Mqtt5Session; connack: Packet & Record<string, unknown> }> {
  const s = await openMqtt5(port);
  s.send({ cmd: 'connect', protocolVersion: 5, clientId: `raw5-${Math.random().toString(16).slice(2)}`, clean: true, keepalive: 60, ...connect });
  const connack = await s.next('connack');
  return { s, connack };
}
