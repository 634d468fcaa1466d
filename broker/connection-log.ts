import type { Aedes, Client, Subscription } from 'aedes';
import type { Logger } from './logger.js';

/**
 * Per-connection debug lines (`--log-level debug`): connect, ready, disconnect with its reason, subscribe,
 * unsubscribe and client errors, each with the client id and remote address. Only Aedes events are used,
 * so the publish path is untouched; below debug the logger drops the lines (these events come once per
 * connection or subscription, never per message). Only the `Logger` methods are used, plus pino's
 * `isLevelEnabled` when the logger has it: below debug nothing is computed or kept per client (no
 * address string, no entry), so an idle connection costs the log nothing.
 */
export function installConnectionLog(broker: Aedes, logger: Logger): void {
  const levels = logger as Logger & { isLevelEnabled?: (level: string) => boolean };
  const on = typeof levels.isLevelEnabled === 'function' ? () => levels.isLevelEnabled!('debug') : () => true;
  // The address is read at connect: once a socket is closed Node no longer reports its peer.
  const seen = new WeakMap<Client, { remote: string | undefined; error?: string }>();
  const info = (c: Client) => {
    let entry = seen.get(c);
    if (!entry) {
      entry = { remote: remoteOf(c) };
      seen.set(c, entry);
    }
    return entry;
  };

  broker.on('client', (c: Client) => {
    if (!on()) return;
    const { remote } = info(c);
    logger.debug({ clientid: c.id, remote }, `client connected: ${c.id} from ${remote ?? 'unknown address'}`);
  });
  broker.on('clientReady', (c: Client) => {
    if (!on()) return;
    logger.debug({ clientid: c.id, remote: info(c).remote }, `client ready: ${c.id}`);
  });
  broker.on('clientDisconnect', (c: Client) => {
    if (!on()) return;
    const entry = info(c);
    const reason = disconnectReason(c, entry.error);
    logger.debug({ clientid: c.id, remote: entry.remote, reason }, `client disconnected: ${c.id} (${reason})`);
  });
  broker.on('subscribe', (subs: Subscription[], c: Client) => {
    if (!c || !on()) return;
    const subscriptions = subs.map((s) => ({ topic: s.topic, qos: s.qos }));
    logger.debug(
      { clientid: c.id, remote: info(c).remote, subscriptions },
      `client subscribed: ${c.id} to ${subscriptions.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ')}`,
    );
  });
  broker.on('unsubscribe', (topics: string[], c: Client) => {
    if (!c || !on()) return;
    logger.debug({ clientid: c.id, remote: info(c).remote, topics }, `client unsubscribed: ${c.id} from ${topics.join(', ')}`);
  });
  broker.on('clientError', (c: Client, err: Error) => {
    if (!on()) return;
    const entry = info(c);
    entry.error = err.message; // the likely reason of the disconnect that follows
    logger.debug({ clientid: c?.id, remote: entry.remote, err: err.message }, `client error: ${c?.id}: ${err.message}`);
  });
  broker.on('connectionError', (c: Client, err: Error) => {
    if (!on()) return;
    // Before CONNECT completed: no client id yet.
    logger.debug({ remote: c ? remoteOf(c) : undefined, err: err.message }, `connection error before CONNECT: ${err.message}`);
  });
}

function disconnectReason(c: Client, lastError: string | undefined): string {
  // Aedes sets _disconnected only when the client sent a DISCONNECT packet.
  if ((c as unknown as { _disconnected?: boolean })._disconnected) return 'client sent DISCONNECT';
  if (lastError) return lastError;
  return 'connection closed without DISCONNECT';
}

function remoteOf(c: Client): string | undefined {
  return peerAddress(((c.req as { socket?: unknown } | undefined)?.socket ?? c.conn) as PeerSocket | undefined);
}

interface PeerSocket {
  remoteAddress?: string;
  remotePort?: number;
}

/** A connection's peer for log lines, `host:port` (`[v6]:port`), or undefined once the socket is closed. */
export function peerAddress(socket: PeerSocket | undefined): string | undefined {
  if (!socket?.remoteAddress) return undefined;
  return socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]:${socket.remotePort}` : `${socket.remoteAddress}:${socket.remotePort}`;
}
