import tls from 'node:tls';
import type { Listener, ConnectionHandler } from './types.js';
import { listen } from './listen.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  verifyClient: boolean;
  handshakeTimeoutMs: number;
}

/** Options shared by the TLS and WSS listeners. */
export function tlsServerOptions(files: TlsFiles): tls.TlsOptions {
  return {
    cert: files.cert,
    key: files.key,
    ca: files.ca,
    requestCert: files.verifyClient,
    rejectUnauthorized: files.verifyClient,
    // Node waits 120 s by default: a cheap way for a scanner to hold sockets open.
    handshakeTimeout: files.handshakeTimeoutMs,
    minVersion: 'TLSv1.2',
  };
}

/** MQTT over TLS. Handshake failures and timeouts are reported through `onTlsError` and never reach Aedes. */
export async function startTlsListener(
  host: string,
  port: number,
  files: TlsFiles,
  onConnection: ConnectionHandler,
  onTlsError: (err: Error) => void,
): Promise<Listener> {
  const server = tls.createServer(tlsServerOptions(files), (socket) => {
    socket.setNoDelay(true);
    onConnection(socket, 'tls');
  });
  server.on('tlsClientError', (err, socket) => {
    // With a listener attached Node leaves the socket open: close it, or a handshake timeout never frees it.
    socket.destroy();
    onTlsError(err);
  });
  return listen('mqtt-tls', server, host, port);
}
