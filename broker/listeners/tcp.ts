import net from 'node:net';
import type { Listener, ConnectionHandler } from './types.js';
import { listen } from './listen.js';

/** MQTT over plain TCP. */
export async function startTcpListener(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const server = net.createServer({ noDelay: true }, (socket) => onConnection(socket, 'tcp'));
  return listen('mqtt-tcp', server, host, port);
}
