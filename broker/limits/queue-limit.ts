import type { Aedes, Client } from 'aedes';
import type { BrokerHooks } from '../hooks.js';
import type { SecurityCounters } from './counters.js';

interface Sub {
  clientId: string;
}
interface QueuedPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}
interface OutgoingPersistence {
  outgoingEnqueue(sub: Sub, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: Sub[], packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: QueuedPacket): Promise<unknown>;
}

/**
 * Bounds the QoS 1/2 queue of each persistent session (clean session false) at `max` messages,
 * like mosquitto's max_queued_messages: Aedes' in-memory persistence queues for an offline (or
 * slow, never-acknowledging) subscriber without end, and scans the queue linearly per message.
 * Past the bound new messages are dropped for that client and counted as `queued_messages`.
 *
 * Counting wraps the persistence: +1 per message queued for a client, -1 when the client's
 * acknowledgement (or Aedes' cleanup) removes it. A message dropped while its client is
 * connected must also be kept from Aedes' delivery (Aedes would look it up in the queue, fail, and
 * disconnect the client), so it is remembered and refused in authorizeForward.
 * Only for the built-in in-memory persistence; a shared (Redis) store keeps its own bounds.
 */
export function provideQueueLimit(broker: Aedes, hooks: BrokerHooks, max: number, counters: SecurityCounters): void {
  const p = (broker as unknown as { persistence: OutgoingPersistence }).persistence;
  const clients = (broker as unknown as { clients: Record<string, Client | undefined> }).clients;
  const queued = new Map<string, number>();
  /** brokerCounters dropped for connected clients, to refuse at delivery. */
  const droppedLive = new Map<string, Set<number>>();
  let skipClear: unknown = null;

  const admit = (sub: Sub, packet: QueuedPacket): boolean => {
    const id = sub.clientId;
    const n = queued.get(id) ?? 0;
    if (n < max) {
      queued.set(id, n + 1);
      return true;
    }
    counters.limit('queued_messages');
    const live = clients[id];
    if (live !== undefined && !live.closed && packet.brokerId === broker.id && packet.brokerCounter !== undefined) {
      let set = droppedLive.get(id);
      if (set === undefined) droppedLive.set(id, (set = new Set()));
      if (set.size > 65536) set.clear(); // never delivered (e.g. unsubscribed meanwhile): do not grow
      set.add(packet.brokerCounter);
    }
    return false;
  };

  const enqueueCombi = p.outgoingEnqueueCombi;
  p.outgoingEnqueueCombi = function boundedEnqueueCombi(this: OutgoingPersistence, subs, packet) {
    let kept: Sub[] | null = null;
    for (let i = 0; i < subs.length; i++) {
      if (admit(subs[i], packet)) {
        if (kept !== null) kept.push(subs[i]);
      } else if (kept === null) {
        kept = subs.slice(0, i);
      }
    }
    return enqueueCombi.call(this, kept ?? subs, packet);
  };
  const enqueue = p.outgoingEnqueue;
  p.outgoingEnqueue = function boundedEnqueue(this: OutgoingPersistence, sub, packet) {
    return admit(sub, packet) ? enqueue.call(this, sub, packet) : Promise.resolve();
  };
  const clear = p.outgoingClearMessageId;
  p.outgoingClearMessageId = async function countedClear(this: OutgoingPersistence, client, packet) {
    if (packet === skipClear) {
      // Refused below because it was never queued: Aedes' cleanup (no messageId yet) would
      // otherwise remove some other message still waiting for its id.
      skipClear = null;
      return undefined;
    }
    const removed = await clear.call(this, client, packet);
    if (removed) {
      const n = (queued.get(client.id) ?? 1) - 1;
      if (n > 0) queued.set(client.id, n);
      else queued.delete(client.id);
    }
    return removed;
  };

  hooks.provide('authorizeForward', 'limits.queue', (client, packet) => {
    if (droppedLive.size > 0) {
      const set = droppedLive.get(client.id);
      if (set !== undefined && packet.brokerId === broker.id && set.delete(packet.brokerCounter)) {
        if (set.size === 0) droppedLive.delete(client.id);
        skipClear = packet; // Aedes calls outgoingClearMessageId(client, packet) next, synchronously
        return null;
      }
    }
    return packet;
  });
  broker.on('clientDisconnect', (client: Client) => droppedLive.delete(client.id));
}
