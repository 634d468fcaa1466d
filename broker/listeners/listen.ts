import type { Server } from 'node:net';
import { BrokerError } from '../errors.js';
import type { Listener } from './types.js';

/** Binds `server`, turning bind errors into a BrokerError that names the listener, host and port. */
export function listen(name: string, server: Server, host: string, port: number, onClose?: () => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new BrokerError('LISTEN_FAILED', `${name} listener cannot bind ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        name,
        host,
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            onClose?.();
            server.close(() => done());
          }),
      });
    });
  });
}
