import type { Aedes, Client } from 'aedes';
import type { SecurityCounters } from './counters.js';

interface IncomingPacket {
  messageId?: number;
}
/** The part of an Aedes persistence that holds received QoS 2 packets awaiting PUBREL. */
export interface IncomingPersistence {
  incomingStorePacket(client: Client, packet: IncomingPacket): Promise<void>;
  incomingDelPacket(client: Client, packet: IncomingPacket): Promise<void>;
  cleanSubscriptions(client: Client): Promise<unknown>;
  /** Deletes every stored incoming packet of a client id (the Redis store provides it, see cluster/index.ts). */
  cleanIncoming?(client: { id: string }): Promise<void>;
}

/** MQTT 5 reason code 0x93 Receive Maximum exceeded [MQTT-3.3.4-9]. */
export const RECEIVE_MAXIMUM_EXCEEDED = 0x93;
/** The message of the error that closes a client past the bound. */
export const INFLIGHT_EXCEEDED_MESSAGE = 'maxInflightInbound exceeded';

/**
 * Half-open QoS 2 exchanges (PUBLISH received and stored, PUBREC sent, PUBREL not yet received).
 * Wraps the persistence's incoming store, which Aedes writes once per new packet id (a
 * retransmission with the same id is answered from the store) and deletes on PUBREL, so the ids
 * stored per client id are exactly the open exchanges. Three jobs:
 *
 *  - Bound them at `max` per client (0 = no bound). Each pins a stored packet; a client that never
 *    sends PUBREL would otherwise grow the broker without end. The same number is the Receive
 *    Maximum advertised to MQTT 5 clients, so a v5 client past it gets DISCONNECT 0x93
 *    [MQTT-3.3.4-9]; a 3.1.1 client is disconnected.
 *  - When a session starts clean or ends, forget them [MQTT-3.1.2-4]: otherwise a new session that
 *    reuses a packet id is answered from the old store and its message is silently dropped. Aedes
 *    calls `cleanSubscriptions` at exactly those moments; the ids are deleted there first (through
 *    the store's own `cleanIncoming` when it has one, which also covers ids stored by other nodes).
 *  - Never reject a delete: Aedes chains `.finally()` on it, so two PUBRELs racing for one id
 *    would end the process with an unhandled rejection ("no such packet").
 */
export function installIncomingQos2(broker: Aedes, max: number, counters: SecurityCounters): void {
  const p = (broker as unknown as { persistence: IncomingPersistence }).persistence;
  const open = new Map<string, Set<number>>();
  const store = p.incomingStorePacket;
  const del = p.incomingDelPacket;
  const cleanSubscriptions = p.cleanSubscriptions;
  const cleanIncoming = p.cleanIncoming;

  p.incomingStorePacket = function boundedIncomingStore(this: IncomingPersistence, client, packet) {
    const id = packet.messageId;
    let ids = open.get(client.id);
    if (id !== undefined && max > 0 && ids !== undefined && !ids.has(id) && ids.size >= max) {
      counters.limit('inflight_inbound');
      const err = new Error(`${INFLIGHT_EXCEEDED_MESSAGE} (${max})`);
      // A rejection makes Aedes close the connection; a v5 client is told why first.
      if (client.version !== 5) return Promise.reject(err);
      return new Promise((_resolve, reject) => client.disconnect({ reasonCode: RECEIVE_MAXIMUM_EXCEEDED }, () => reject(err)));
    }
    if (id !== undefined) {
      if (ids === undefined) open.set(client.id, (ids = new Set()));
      ids.add(id);
    }
    return store.call(this, client, packet);
  };

  p.incomingDelPacket = function releasingIncomingDel(this: IncomingPersistence, client, packet) {
    const ids = open.get(client.id);
    if (ids !== undefined && packet.messageId !== undefined) {
      ids.delete(packet.messageId);
      if (ids.size === 0) open.delete(client.id);
    }
    return del.call(this, client, packet).catch(() => undefined);
  };

  p.cleanSubscriptions = async function cleanSessionAndIncoming(this: IncomingPersistence, client) {
    const ids = open.get(client.id);
    open.delete(client.id);
    if (cleanIncoming) await cleanIncoming.call(this, client);
    else if (ids !== undefined) await Promise.all([...ids].map((messageId) => del.call(this, client, { messageId }).catch(() => undefined)));
    return cleanSubscriptions.call(this, client);
  };
}
