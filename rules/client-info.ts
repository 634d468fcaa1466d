import type { Client, ConnectPacket } from 'aedes';

/** What the rules need to know about a client beyond what Aedes keeps: recorded at CONNECT. */
export interface ClientInfo {
  username: string | undefined;
  peerhost: string;
  peername: string;
  sockname: string;
  protoName: string;
  protoVer: number;
  keepalive: number;
  cleanStart: boolean;
  connectedAt: number;
  keepaliveTimedOut: boolean;
}

const INFO = new WeakMap<Client, ClientInfo>();

interface SocketLike {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

export function recordConnect(client: Client, packet: ConnectPacket): ClientInfo {
  const socket = (client.req?.socket ?? client.conn) as SocketLike;
  const host = normalizeHost(socket.remoteAddress ?? '');
  const info: ClientInfo = {
    username: packet.username,
    peerhost: host,
    peername: `${host}:${socket.remotePort ?? 0}`,
    sockname: `${normalizeHost(socket.localAddress ?? '')}:${socket.localPort ?? 0}`,
    protoName: packet.protocolId ?? 'MQTT',
    protoVer: packet.protocolVersion ?? 4,
    keepalive: packet.keepalive ?? 0,
    cleanStart: packet.clean !== false,
    connectedAt: Date.now(),
    keepaliveTimedOut: false,
  };
  INFO.set(client, info);
  return info;
}

const UNKNOWN: ClientInfo = Object.freeze({
  username: undefined,
  peerhost: '',
  peername: '',
  sockname: '',
  protoName: 'MQTT',
  protoVer: 4,
  keepalive: 0,
  cleanStart: true,
  connectedAt: 0,
  keepaliveTimedOut: false,
}) as ClientInfo;

export function clientInfo(client: Client | null | undefined): ClientInfo {
  return (client && INFO.get(client)) || UNKNOWN;
}

/** '::ffff:127.0.0.1' → '127.0.0.1', as EMQX prints IPv4 peers. */
function normalizeHost(h: string): string {
  return h.startsWith('::ffff:') ? h.slice(7) : h;
}
