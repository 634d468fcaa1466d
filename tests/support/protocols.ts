import type { IClientOptions } from 'mqtt';

/** The protocol versions every protection, limit, ACL and cluster test runs with (MQTT.js `protocolVersion`). */
export const PROTOCOLS = [
  { label: 'MQTT 3.1.1', protocolVersion: 4 },
  { label: 'MQTT 5', protocolVersion: 5 },
] as const;

export type ProtocolVersion = (typeof PROTOCOLS)[number]['protocolVersion'];

/**
 * Options for a session that outlives its connection in either version: 3.1.1 keeps it with
 * clean session 0; MQTT 5 needs Clean Start 0 and a Session Expiry Interval (0 ends it with the
 * connection, §3.1.2.11.2).
 */
export function persistentSession(protocolVersion: ProtocolVersion): IClientOptions {
  return protocolVersion === 5 ? { protocolVersion, clean: false, properties: { sessionExpiryInterval: 3600 } } : { protocolVersion, clean: false };
}
