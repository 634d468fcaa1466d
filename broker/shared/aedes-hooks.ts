import type { EventEmitter } from 'node:events';
import type { Aedes, Client, Subscription } from 'aedes';
import { isShareTopic, parseShareFilter, groupKey, type ShareFilter } from './filter.js';
import { memberKey, type DeliverFunc, type GroupTable, type Member } from './groups.js';
import type { SharedDispatcher } from './dispatcher.js';
import type { SharedCounters } from './metrics.js';
import type { BrokerHooks } from '../hooks.js';

/** What a node tells the rest of the cluster about its own members (no-op on a single node). */
export interface MembershipSink {
  joined(share: ShareFilter, member: Member): void;
  left(share: ShareFilter, member: Member): void;
}

/**
 * A malformed share filter travels through Aedes' subscribe handler under this name, which its topic
 * validation accepts (the real one, e.g. `$share/g+/x`, would close the connection), so that
 * authorizeSubscribe can refuse just that filter with SUBACK 0x80.
 */
const MALFORMED_PREFIX = '$rulemq-malformed-share/';

/**
 * A refusal that names its MQTT 5 reason code: 0x8F Topic Filter invalid. Aedes (as patched) puts it in the
 * SUBACK of a v5 client; a 3.1.1 client gets 0x80 as for any refusal.
 */
const TOPIC_FILTER_INVALID = 0x8f as unknown as null;

type SubPacket = { cmd: string; messageId?: number; subscriptions?: Subscription[] };
type Subscribed = { subscriptions: Record<string, { func: DeliverFunc; qos: number } | undefined> };
type Done = (err?: Error) => void;

/**
 * Plugs shared subscriptions into Aedes, keeping Aedes' own SUBSCRIBE, session and delivery code for
 * everything else. Steps in the hook pipeline (broker/hooks.ts):
 *
 * - authorizeSubscribe `shared.subscribe`: checks the share syntax and hands the filter inside
 *   `$share/<group>/` to the steps after it (the ACL);
 * - publish `shared.dispatch`: once per message, on the node it was published on, picks the member
 *   of each matching group;
 * - authorizeForward `shared.track`: gives a QoS 1/2 shared copy its packet id, so its PUBACK/PUBREC
 *   can be matched.
 *
 * And three Aedes methods, which are not hooks: `subscribe`/`unsubscribe` take share filters into the
 * group table instead of the emitter, so no message ever matches the literal `$share/...` filter and
 * no retained message is sent for it [MQTT-3.8.4] (MQTT 5 §4.8.2); `handle` adds a first listener to
 * each client's packet parser for PUBACK/PUBREC and for malformed share filters.
 */
export function installSharedHooks(
  broker: Aedes,
  hooks: BrokerHooks,
  table: GroupTable,
  dispatcher: SharedDispatcher,
  counters: SharedCounters,
  membership: () => MembershipSink | null,
): void {
  // Aedes' own cap on filter levels (its matcher throws past it); the inspector enforces the configured one.
  const maxLevels = (broker as unknown as { maxTopicLevels?: number }).maxTopicLevels ?? 100;
  const malformed = new WeakMap<Subscription, string>();
  let malformedSeq = 0;
  // Clients whose share subscription was authorized and which Aedes is about to subscribe, by filter.
  const awaiting = new Map<string, Set<Client>>();

  // One listener function for every client's parser (Aedes sets `parser.client`): no closure per connection.
  function observePacket(this: { client: Client }, packet: SubPacket): void {
    const cmd = packet.cmd;
    if (cmd === 'puback' || cmd === 'pubrec') {
      dispatcher.onAck(this.client, packet.messageId as number);
    } else if (cmd === 'subscribe' && packet.subscriptions) {
      for (const sub of packet.subscriptions) {
        if (!isShareTopic(sub.topic) || !('error' in (parseShareFilter(sub.topic, maxLevels) ?? {}))) continue;
        malformed.set(sub, sub.topic);
        sub.topic = `${MALFORMED_PREFIX}${++malformedSeq}`;
      }
    }
  }
  const handle = broker.handle;
  broker.handle = function handleWithSharedObserver(conn, req) {
    const client = handle.call(this, conn, req);
    (client as unknown as { _parser: EventEmitter })._parser.prependListener('packet', observePacket);
    return client;
  };
  // Put the real filter back before anyone reports the SUBSCRIBE (this listener is registered first).
  broker.on('subscribe', (subs: Subscription[]) => {
    for (const sub of subs) {
      const real = malformed.get(sub);
      if (real !== undefined) sub.topic = real;
    }
  });

  hooks.provide('authorizeSubscribe', 'shared.subscribe', (client, sub, callback, next) => {
    const topic = sub.topic;
    if (topic.startsWith(MALFORMED_PREFIX)) {
      counters.refused++;
      callback(null, TOPIC_FILTER_INVALID); // SUBACK 0x80; MQTT 5: 0x8F [MQTT-4.8.2-1] [MQTT-4.8.2-2]
      return;
    }
    const share = isShareTopic(topic) ? parseShareFilter(topic, maxLevels) : null;
    if (share === null) return next(client, sub, callback);
    if ('error' in share) {
      counters.refused++;
      callback(null, TOPIC_FILTER_INVALID);
      return;
    }
    // The ACL decides on the filter messages are matched against, not on the `$share/<group>/` name.
    next(client, { ...sub, topic: share.filter }, (err, granted) => {
      if (err || !granted) return callback(err, null);
      sub.qos = granted.qos;
      let set = awaiting.get(topic);
      if (!set) awaiting.set(topic, (set = new Set()));
      set.add(client);
      callback(null, sub);
    });
  });

  const subscribe = broker.subscribe;
  broker.subscribe = function sharedSubscribe(this: Aedes, topic: string, func: DeliverFunc, done?: Done) {
    const share = isShareTopic(topic) ? parseShareFilter(topic, maxLevels) : null;
    if (share === null || 'error' in share) return subscribe.call(this, topic, func as never, done as never);
    const client = takeAwaiting(awaiting, topic, func);
    if (client?.id) {
      const sub = (client as unknown as Subscribed).subscriptions[topic]!;
      const member: Member = { key: memberKey(broker.id, client.id), brokerId: broker.id, clientId: client.id, qos: sub.qos, local: { client, func } };
      table.join(share, member);
      membership()?.joined(share, member);
    }
    if (done) setImmediate(done);
  } as Aedes['subscribe'];

  const unsubscribe = broker.unsubscribe;
  broker.unsubscribe = function sharedUnsubscribe(this: Aedes, topic: string, func: DeliverFunc, done?: Done) {
    const share = isShareTopic(topic) ? parseShareFilter(topic, maxLevels) : null;
    if (share === null || 'error' in share) return unsubscribe.call(this, topic, func as never, done as never);
    const key = groupKey(share);
    const member = table.get(key)?.members.find((m) => m.local?.func === func);
    if (member) {
      const client = member.local!.client;
      table.leave(key, member.key);
      membership()?.left(share, member);
      dispatcher.onLeave(client, key, member.key);
    }
    if (done) setImmediate(done);
  } as Aedes['unsubscribe'];

  hooks.provide('publish', 'shared.dispatch', (packet, client, done, next) => {
    if (table.size === 0) return next(packet, client, done);
    // Once Aedes has published it (stored, queued, emitted): a message it refused reaches no group either.
    next(packet, client, (err) => {
      if (!err) {
        const payload = packet.payload;
        dispatcher.dispatch({
          topic: packet.topic,
          payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload ?? ''),
          qos: packet.qos,
          retain: packet.retain,
          properties: (packet as { properties?: Record<string, unknown> }).properties,
          publisher: client?.id ?? '', // null for messages the broker published (rules, wills)
        });
      }
      done(err);
    });
  });

  hooks.provide('authorizeForward', 'shared.track', (client, packet) => {
    if (packet.brokerId === dispatcher.copyId) dispatcher.onForward(client, packet);
    return packet;
  });
}

/** The client whose subscription to `topic` is `func`, among those authorized for it (and no longer awaited). */
function takeAwaiting(awaiting: Map<string, Set<Client>>, topic: string, func: DeliverFunc): Client | null {
  const set = awaiting.get(topic);
  if (!set) return null;
  let found: Client | null = null;
  for (const c of set) {
    if (c.closed) set.delete(c);
    else if (found === null && (c as unknown as Subscribed).subscriptions[topic]?.func === func) found = c;
  }
  if (found !== null) set.delete(found);
  if (set.size === 0) awaiting.delete(topic);
  return found;
}
