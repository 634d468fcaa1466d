import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import type { BrokerHooks } from '../hooks.js';
import { DELIVERY_DROPPED } from '../events.js';
import type { SecurityCounters } from './counters.js';

/** MQTT 5 reason code 0x97 Quota exceeded (§3.14.2.1). */
const QUOTA_EXCEEDED = 0x97;

/**
 * A subscriber that stops reading must not slow down everyone else. Aedes delivers a message to each
 * subscriber in turn and, when a write finds the socket's buffer full (past its high-water mark), waits
 * for it to drain before it handles the publisher's next packet: a client that never reads stalls every
 * publisher whose messages reach it. So each connection's write buffer is raised to `maxOutgoingBytes`
 * (`raiseWriteBuffer`, when it is accepted) and, as mosquitto and EMQX do, a QoS 0 message that would
 * fill it is dropped for that client before it is written (counted as `slow_subscriber` and fired as
 * $events/delivery_dropped with EMQX's reason `queue_full`); a QoS 1/2 message that would fill it
 * disconnects the client instead (counted as `slow_subscriber_disconnect`; a persistent session keeps the
 * message). So no delivery of a PUBLISH ever waits for a drain; other writes that do (acknowledgements) are
 * bounded by slowClientTimeoutMs (Aedes' drain timeout), which disconnects the client.
 */
export function provideSlowSubscriber(hooks: BrokerHooks, events: EventEmitter, maxOutgoingBytes: number, counters: SecurityCounters): void {
  hooks.provide('authorizeForward', 'limits.slow-subscriber', (client, packet) => {
    const size = wireSize(packet);
    const pending = pendingOf(client);
    if (outgoingBytes(client) + pending.bytes + size < maxOutgoingBytes) {
      pending.bytes += size;
      if (!pending.scheduled) {
        pending.scheduled = true;
        setImmediate(clearAfterWrites, pending);
      }
      return packet;
    }
    // The write would cross the high-water mark, and Aedes would then hold this delivery until a drain.
    if (packet.qos === 0) {
      counters.limit('slow_subscriber');
      if (events.listenerCount(DELIVERY_DROPPED) !== 0) events.emit(DELIVERY_DROPPED, client, packet, 'queue_full');
    } else if (!client.closed) {
      // A QoS 1/2 message cannot be dropped: the client that does not read is disconnected instead (a persistent
      // session keeps the message and gets it after reconnecting), as mosquitto does past max_queued_bytes.
      counters.limit('slow_subscriber_disconnect');
      client.disconnect({ reasonCode: QUOTA_EXCEEDED }); // MQTT 5: DISCONNECT 0x97 first; 3.1.1: closed
    }
    return null;
  });
}

/**
 * Aedes checks a delivery (this step) and writes it one setImmediate later, and it dispatches a whole
 * socket read of PUBLISHes at once: a burst passes every check before the first write. So the bytes
 * let through but not written yet count too, until the writes queued with them have run.
 */
interface Pending {
  bytes: number;
  scheduled: boolean;
}
const PENDING = Symbol('rulemq.slowSubscriber');

function pendingOf(client: Client): Pending {
  const holder = client as Client & { [PENDING]?: Pending };
  return (holder[PENDING] ??= { bytes: 0, scheduled: false });
}

/** Runs after the writes queued in the same turn (immediates queued now run on the next turn). */
function clearAfterWrites(p: Pending): void {
  setImmediate(clear, p);
}

function clear(p: Pending): void {
  p.bytes = 0;
  p.scheduled = false;
}

/** An upper bound of the PUBLISH's size on the wire: fixed header (5), topic length (2), topic, payload. */
function wireSize(packet: { topic: string; payload: Buffer | string }): number {
  return 7 + packet.topic.length * 3 + (typeof packet.payload === 'string' ? packet.payload.length * 3 : packet.payload.length);
}

/**
 * Lets a connection buffer `bytes` before its writes report back-pressure. Node exposes the write
 * high-water mark only as a construction option, which the listeners' sockets (net, tls, ws) do not
 * all take; its stream state holds it, and tests/security/slow-subscriber checks it took effect.
 */
export function raiseWriteBuffer(conn: Duplex, bytes: number): void {
  const state = (conn as unknown as { _writableState?: { highWaterMark: number } })._writableState;
  if (state !== undefined && state.highWaterMark < bytes) state.highWaterMark = bytes;
}

/** Bytes written to the client's connection and not yet handed to the network. */
function outgoingBytes(client: Client): number {
  return (client.conn as { writableLength?: number } | undefined)?.writableLength ?? 0;
}
