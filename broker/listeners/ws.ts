import http from 'node:http';
import type { Duplex } from 'node:stream';
import https from 'node:https';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Listener, ConnectionHandler } from './types.js';
import { listen } from './listen.js';
import { joinWebSocketWrites } from './write-coalescing.js';
import { tlsServerOptions, type TlsFiles } from './tls.js';

export interface WsOptions {
  path: string;
  /** Largest WebSocket message accepted; a larger one closes the connection (ws `maxPayload`). */
  maxPayloadBytes: number;
  tls?: TlsFiles;
  /** Largest header block of the upgrade request (Node's maxHeaderSize); larger gets 431. */
  maxHeaderBytes?: number;
  /** Called when an upgrade request is refused for its header size. */
  onHeaderOverflow?: () => void;
}

/**
 * MQTT over WebSocket (and WSS with `tls`), on `ws` 8 with `createWebSocketStream`.
 * (`websocket-stream` pulls in ws 3.3.3, CVE-2024-37890.) Only the `mqtt` subprotocol is
 * offered, as MQTT over WebSocket requires [MQTT-6.0.0-3]; clients that offer none are accepted.
 */
export async function startWsListener(
  host: string,
  port: number,
  options: WsOptions,
  onConnection: ConnectionHandler,
  onTlsError?: (err: Error) => void,
): Promise<Listener> {
  const maxHeaderSize = options.maxHeaderBytes;
  const server = options.tls ? https.createServer({ ...tlsServerOptions(options.tls), maxHeaderSize }) : http.createServer({ maxHeaderSize });
  // Bound header size and handshake time for the upgrade request.
  server.maxHeadersCount = 100;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Node's default answer, plus counting header overflows (thousands of headers, huge cookies).
    const overflow = err.code === 'HPE_HEADER_OVERFLOW';
    if (overflow) options.onHeaderOverflow?.();
    if (err.code !== 'ECONNRESET' && socket.writable && (socket as { bytesWritten?: number }).bytesWritten === 0) {
      const status = overflow ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect with a WebSocket client\n');
  });
  if (options.tls && onTlsError) {
    server.on('tlsClientError', (err, socket) => {
      socket.destroy(); // Node leaves it open once a listener exists
      onTlsError(err);
    });
  }
  const wss = new WebSocketServer({
    server,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => {
      for (const p of protocols) if (p === 'mqtt' || p === 'mqttv3.1') return p;
      return false;
    },
  });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    joinWebSocketWrites(stream, ws);
    stream.on('error', destroyOnError);
    onConnection(stream, options.tls ? 'wss' : 'ws', req);
  });
  return listen(options.tls ? 'mqtt-wss' : 'mqtt-ws', server, host, port, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}

/** One listener for every WebSocket stream (no closure per connection): an error ends the stream. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}
