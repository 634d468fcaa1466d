import net from 'node:net';

/** A raw TCP connection for sending hand-made MQTT bytes and observing replies and closes. */
export interface RawConn {
  socket: net.Socket;
  received: Buffer[];
  /** Resolves when the server closes the connection; rejects after timeoutMs. */
  closed(timeoutMs?: number): Promise<void>;
  /** Resolves with the first `n` bytes received. */
  bytes(n: number, timeoutMs?: number): Promise<Buffer>;
}

export function rawConnect(port: number): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let isClosed = false;
    const closeWaiters: Array<() => void> = [];
    socket.on('data', (d) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      isClosed = true;
      for (const w of closeWaiters) w();
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed(timeoutMs = 5000) {
          if (isClosed) return Promise.resolve();
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error('connection still open')), timeoutMs);
            closeWaiters.push(() => {
              clearTimeout(t);
              res();
            });
          });
        },
        bytes(n, timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const deadline = Date.now() + timeoutMs;
            const poll = () => {
              const all = Buffer.concat(received);
              if (all.length >= n) return res(all.subarray(0, n));
              if (Date.now() > deadline || isClosed) return rej(new Error(`got ${all.length} of ${n} bytes`));
              setTimeout(poll, 5);
            };
            poll();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** An MQTT 3.1.1 CONNECT packet. */
export function connectPacket(clientId: string, opts: { clean?: boolean; keepalive?: number } = {}): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const flags = opts.clean === false ? 0x00 : 0x02;
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0x00, opts.keepalive ?? 60]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
