import type { Client, ConnectPacket } from 'aedes';

/** The Aedes client field that carries the Server Keep Alive (read by its keep alive timer and its CONNACK). */
interface ServerKeepAliveClient {
  _serverKeepAlive?: number;
}

/**
 * The Server Keep Alive for an MQTT 5 CONNECT, or undefined to keep the client's own value.
 * `serverKeepAliveSeconds` (> 0) replaces every client's value, as EMQX's server_keepalive does; otherwise
 * a Keep Alive of 0 or above `maxKeepaliveSeconds` is lowered to it, as mosquitto's max_keepalive does
 * for v5 clients (a 3.1.1 client is refused instead, it cannot be told) [MQTT-3.1.2-21] [MQTT-3.2.2-21].
 */
export function serverKeepAlive(keepalive: number, maxKeepaliveSeconds: number, serverKeepAliveSeconds: number): number | undefined {
  if (serverKeepAliveSeconds > 0) return serverKeepAliveSeconds;
  if (maxKeepaliveSeconds < 65535 && (keepalive === 0 || keepalive > maxKeepaliveSeconds)) return maxKeepaliveSeconds;
  return undefined;
}

/**
 * Sets the Server Keep Alive on a v5 client before Aedes accepts the CONNECT. Aedes 2 has a
 * `keepaliveLimit` option for this, but with it set it also refuses every 3.1.1 client that sends
 * Keep Alive 0 with a return code 3.1.1 does not define (6); so the value goes onto the field that
 * option would set, from preConnect, and Aedes' keep alive timer and CONNACK use it.
 */
export function applyServerKeepAlive(client: Client, packet: ConnectPacket, maxKeepaliveSeconds: number, serverKeepAliveSeconds: number): void {
  if (packet.protocolVersion !== 5) return;
  const value = serverKeepAlive(packet.keepalive ?? 0, maxKeepaliveSeconds, serverKeepAliveSeconds);
  if (value !== undefined) (client as unknown as ServerKeepAliveClient)._serverKeepAlive = value;
}
