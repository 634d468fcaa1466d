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
