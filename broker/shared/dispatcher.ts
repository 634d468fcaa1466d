import type { Aedes, Client } from 'aedes';
import type { Logger } from '../logger.js';
import type { Group, GroupTable, Member } from './groups.js';
import { pick, type Strategy } from './strategy.js';
import type { SharedCounters } from './metrics.js';

/** A message on its way to one member of each matching group. */
export interface SharedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
  /** MQTT 5 properties of the PUBLISH, passed through as Aedes carries them. */
  readonly properties?: Record<string, unknown>;
  /** Client id of the publisher ('' when the broker published it: rules, wills). */
  readonly publisher: string;
}

/** Sends a message to a member on another node (cluster mode). */
export interface RemoteLink {
  forward(group: Group, member: Member, message: SharedMessage, hops: number): void;
}

/** A QoS 1/2 message written to a local member and not acknowledged yet. */
interface InFlight {
  readonly groupKey: string;
  readonly memberKey: string;
  readonly message: SharedMessage;
  readonly client: Client;
  messageId: number;
}

/** A copy being handed to a member's delivery function. */
interface Handing {
  readonly counter: number;
  readonly flight: InFlight;
  /** Set when authorizeForward let the copy through for this member. */
  taken: boolean;
}

/** The part of Aedes' persistence used here. */
interface Persistence {
  outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<unknown>;
  outgoingClearMessageId(client: Client, packet: { messageId: number }): Promise<unknown>;
}

/** Most times one message is passed between nodes before it is dropped (a member left meanwhile each time). */
const MAX_HOPS = 3;

/**
 * Delivers each message to exactly one member per matching group [MQTT-4.8.2]. Runs on the node
 * where the message was published (the one `published` hook call a message gets in the cluster), as
 * rules do; members on other nodes are reached through the RemoteLink.
 *
 * Invariant: a QoS 1/2 message given to a local member stays in `inflight` until that client
 * acknowledges it (PUBACK, or PUBREC for QoS 2: the receiver owns it from then on). If the member
 * leaves first (disconnect or UNSUBSCRIBE), the message goes to another member of the group.
 */
export class SharedDispatcher {
  remote: RemoteLink | null = null;
  /** The id shared copies carry as their `brokerId`: Aedes' per-client dedupe keeps its own sequence for them. */
  readonly copyId: string;
  private counter = 0;
  /** The copy being handed to a member's delivery function now, matched in authorizeForward. */
  private handing: Handing | null = null;
  private readonly inflight = new Map<Client, Map<number, InFlight>>();

  constructor(
    private readonly broker: Aedes,
    private readonly table: GroupTable,
    private readonly strategy: Strategy,
    private readonly counters: SharedCounters,
    private readonly logger: Logger,
  ) {
    // Not a broker id Aedes could produce (those are UUIDs): copies never collide with normal deliveries.
    this.copyId = `${broker.id}/$share`;
  }

  /** A message published on this node: one member of every matching group gets it. */
  dispatch(message: SharedMessage): void {
    const groups = this.table.match(message.topic);
    for (let i = 0; i < groups.length; i++) this.deliver(groups[i], message, null, 0);
  }

  /**
   * Picks a member of `group` (not one in `exclude`) and sends it the message: directly when it is
   * connected here, through the RemoteLink otherwise. Counted as dropped when no member is left.
   */
  deliver(group: Group, message: SharedMessage, exclude: ReadonlySet<string> | null, hops: number): void {
    const candidates = group.members.filter((m) => (exclude === null || !exclude.has(m.key)) && (m.local === null || ready(m.local.client)));
    // A second pick for the same message (the first member refused it or left) must not move the
    // group's turn: round robin would otherwise hand the next message to the same refusing member.
    const state = exclude === null ? group.state : { ...group.state };
    const i = pick(this.strategy, candidates, state, message.topic, message.publisher);
    if (i < 0) {
      this.counters.dropped.no_member++;
      return;
    }
    const member = candidates[i];
    if (member.local !== null) {
      this.deliverLocal(group, member, message, exclude, hops);
    } else if (this.remote !== null && hops < MAX_HOPS) {
      this.counters.forwarded++;
      this.remote.forward(group, member, message, hops + 1);
    } else {
      this.counters.dropped.hops++;
    }
  }

  /**
   * A message another node sent to `memberKey`: delivered to it when it is still here, otherwise to
   * another member of the group (the node that picked it did not know it had left).
   */
  receive(groupKey: string, memberKey: string, message: SharedMessage, hops: number): void {
    const group = this.table.get(groupKey);
    if (!group) {
      this.counters.dropped.no_member++;
      return;
    }
    const member = group.find(memberKey);
    if (member?.local && ready(member.local.client)) {
      this.deliverLocal(group, member, message, null, hops);
      return;
    }
    this.deliver(group, message, new Set([memberKey]), hops);
  }

  private deliverLocal(group: Group, member: Member, message: SharedMessage, exclude: ReadonlySet<string> | null, hops: number): void {
    const client = member.local!.client;
    const qos = Math.min(message.qos, member.qos); // the granted QoS caps the delivery [MQTT-3.8.4-6]
    const handing: Handing = {
      counter: ++this.counter,
      taken: false,
      flight: { groupKey: group.key, memberKey: member.key, message, client, messageId: 0 },
    };
    const packet = {
      cmd: 'publish',
      topic: message.topic, // members receive the real topic, not the share filter
      payload: message.payload,
      qos,
      retain: message.retain,
      dup: false,
      brokerId: this.copyId,
      brokerCounter: handing.counter,
      ...(message.properties ? { properties: message.properties } : {}),
    };
    const hand = () => this.hand(group, member, packet, handing, exclude, hops);
    if (qos === 0 || client.clean) return hand();
    // A persistent session keeps its QoS 1/2 messages in the store until acknowledged, as Aedes does
    // for plain subscriptions; Aedes' delivery updates that entry with the packet id it sends.
    this.persistence.outgoingEnqueue({ clientId: client.id }, packet).then(hand, (err: Error) => {
      this.logger.warn({ clientid: client.id, err: err.message }, 'could not queue a shared message in the session; delivered without it');
      hand();
    });
  }

  /**
   * Calls the member's Aedes delivery function, which runs authorizeForward synchronously: onForward()
   * marks the copy taken there. A copy not taken was refused for this member (the ACL on the real
   * topic, or a session not ready), so another member of the group gets the message.
   */
  private hand(group: Group, member: Member, packet: object, handing: Handing, exclude: ReadonlySet<string> | null, hops: number): void {
    this.handing = handing;
    try {
      member.local!.func(packet, noop);
    } finally {
      this.handing = null;
    }
    if (handing.taken) {
      this.counters.delivered++;
      return;
    }
    this.counters.refusedByMember++;
    const next = new Set(exclude ?? []);
    next.add(member.key);
    this.deliver(group, handing.flight.message, next, hops);
  }

  /**
   * Called from authorizeForward (its last step) with the packet Aedes is about to write. Marks the
   * copy taken; for QoS 1/2 it chooses the packet identifier (from the client's own sequence, as
   * Aedes does) so the acknowledgement can be matched to the message.
   */
  onForward(client: Client, packet: { brokerId?: string; brokerCounter?: number; qos: number; messageId?: number }): void {
    const h = this.handing;
    if (h === null || packet.brokerId !== this.copyId || packet.brokerCounter !== h.counter) return;
    this.handing = null;
    h.taken = true;
    if (packet.qos === 0) return;
    const c = client as unknown as { _nextId: number };
    const id = c._nextId;
    c._nextId = id >= 65535 ? 1 : id + 1;
    packet.messageId = id;
    h.flight.messageId = id;
    let own = this.inflight.get(client);
    if (!own) {
      own = new Map();
      this.inflight.set(client, own);
    }
    own.set(id, h.flight);
  }

  /** PUBACK (QoS 1) or PUBREC (QoS 2) from a client. */
  onAck(client: Client, messageId: number): void {
    const own = this.inflight.get(client);
    if (own?.delete(messageId) && own.size === 0) this.inflight.delete(client);
  }

  /** Shared copies written to this client and not acknowledged yet. */
  unacknowledged(client: Client): number {
    return this.inflight.get(client)?.size ?? 0;
  }

  /**
   * A member left its group (UNSUBSCRIBE, or the connection closed): its unacknowledged messages of
   * that group go to another member. A persistent session forgets them, so they are not sent to it
   * again when it reconnects. Decided on the next turn of the event loop: Aedes 1.2 re-subscribes a
   * filter whose options changed by unsubscribing and subscribing again at once, and a client that
   * is back in the group still acknowledges what it has.
   */
  onLeave(client: Client, groupKey: string, memberKey: string): void {
    if (!this.inflight.has(client)) return;
    setImmediate(() => {
      if (!client.closed && this.table.get(groupKey)?.find(memberKey)?.local?.client === client) return;
      const own = this.inflight.get(client);
      if (!own) return;
      for (const [id, flight] of own) {
        if (flight.groupKey !== groupKey) continue;
        own.delete(id);
        if (!client.clean) {
          this.persistence.outgoingClearMessageId(client, { messageId: id }).then(noop, (err: Error) => {
            this.logger.debug({ clientid: client.id, err: err.message }, 'could not clear a redispatched shared message from the session');
          });
        }
        this.counters.redispatched++;
        const group = this.table.get(groupKey);
        if (group) this.deliver(group, flight.message, new Set([memberKey]), 0);
        else this.counters.dropped.no_member++;
      }
      if (own.size === 0) this.inflight.delete(client);
    });
  }

  private get persistence(): Persistence {
    return (this.broker as unknown as { persistence: Persistence }).persistence;
  }
}

/** A local member can take messages once its CONNACK is out and until its connection closes. */
function ready(client: Client): boolean {
  return !client.closed && (client as unknown as { connackSent?: boolean }).connackSent !== false;
}

function noop(): void {}
