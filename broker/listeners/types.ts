import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

export type ConnectionHandler = (conn: Duplex, transport: Transport, req?: IncomingMessage) => void;

export interface Listener {
  readonly name: string;
  readonly host: string;
  /** The bound port (the OS-chosen one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting connections; resolves when the server has closed. */
  close(): Promise<void>;
}
