import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { groupKey, type ShareFilter } from './filter.js';
import { memberKey, type Group, type GroupTable, type Member } from './groups.js';
import type { SharedDispatcher, SharedMessage, RemoteLink } from './dispatcher.js';
import type { MembershipSink } from './aedes-hooks.js';

/** Hash of every member in the cluster: field JSON [brokerId, clientId, group, filter], value the granted QoS. */
export const MEMBERS_KEY = 'rulemq:share:members';
/** Joins and leaves, so every node keeps the whole member list in memory. */
export const CHANGES_CHANNEL = 'rulemq:share:changes';
/** Messages for the members connected to one node. */
export function nodeChannel(brokerId: string): string {
  return `rulemq:share:node:${brokerId}`;
}

type Change = { op: 'join' | 'leave'; b: string; c: string; g: string; f: string; q: number } | { op: 'node-gone'; b: string };

interface Envelope {
  /** group, filter, member client id, hops */
  g: string;
  f: string;
  c: string;
  h: number;
  t: string;
  p: string; // payload, base64
  q: number;
  r: boolean;
  u: string; // publisher
  x?: Record<string, unknown>; // MQTT 5 properties
}

/**
 * Shared subscriptions across nodes sharing one Redis. The node a message is published on decides
 * (as it runs the rules): it knows every member of every group, picks one, and if that member is on
 * another node sends the message to that node's channel. The member list is a Redis hash that each
 * node loads at start (and after a reconnect) and follows through join/leave messages.
 *
 * Redis answers a PUBLISH with the number of subscribers that got it: 0 means the member's node is
 * gone (crashed without removing its members), so its members are dropped everywhere and the message
 * goes to another member at once.
 *
 * On a Redis Cluster a classic PUBLISH reaches every shard, but its answer counts only the
 * subscribers of the shard it was sent to, so 0 would not mean "gone". Node channels then use
 * sharded pub/sub (SSUBSCRIBE/SPUBLISH): a channel lives on the primary that owns its hash slot,
 * every subscriber of it is connected there, and the answer counts them all. Joins and leaves, which
 * every node needs, stay on classic pub/sub.
 */
export class ClusterLink implements RemoteLink, MembershipSink {
  private readonly sub: Redis | Cluster;
  private readonly sharded: boolean;
  private closed = false;

  constructor(
    private readonly store: Redis,
    private readonly brokerId: string,
    private readonly table: GroupTable,
    private readonly dispatcher: SharedDispatcher,
    private readonly logger: Logger,
  ) {
    // Subscriber mode needs its own connection; SUBSCRIBE must survive an outage, so commands queue.
    this.sharded = store.isCluster;
    if (this.sharded) {
      const cluster = store as unknown as Cluster;
      const name = cluster.options.redisOptions?.connectionName?.replace(/:store$/, ':shared');
      this.sub = cluster.duplicate([], {
        enableOfflineQueue: true,
        lazyConnect: true,
        shardedSubscribers: true,
        redisOptions: { ...cluster.options.redisOptions, connectionName: name, maxRetriesPerRequest: null },
      });
      this.sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message.toString()));
    } else {
      const name = store.options.connectionName?.replace(/:store$/, ':shared');
      this.sub = store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true, lazyConnect: true, connectionName: name });
    }
    this.sub.on('error', (err: Error) => logger.debug({ err: err.message }, 'shared subscriptions: redis subscriber error'));
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message.toString()));
    let first = true;
    this.sub.on('ready', () => {
      if (first) {
        first = false;
        return;
      }
      // Joins and leaves may have gone by while the subscriber was away.
      this.resync().catch((err: Error) => logger.warn({ err: err.message }, 'shared subscriptions: could not reload the member list'));
    });
  }

  async start(): Promise<void> {
    await this.sub.connect();
    if (this.sharded) {
      await this.sub.subscribe(CHANGES_CHANNEL);
      await this.sub.ssubscribe(nodeChannel(this.brokerId));
    } else {
      await this.sub.subscribe(CHANGES_CHANNEL, nodeChannel(this.brokerId));
    }
    await this.load();
  }

  /** Drops what this node knows of other nodes' members and reads the hash again; re-adds its own. */
  async resync(): Promise<void> {
    for (const g of [...this.table.all()]) for (const m of [...g.members]) if (m.local === null) this.table.leave(g.key, m.key);
    await this.load();
    for (const g of this.table.all()) for (const m of g.members) if (m.local !== null) await this.store.hset(MEMBERS_KEY, field(m, g), String(m.qos));
  }

  private async load(): Promise<void> {
    const all = await this.store.hgetall(MEMBERS_KEY);
    for (const [f, q] of Object.entries(all)) {
      const parsed = parseField(f);
      if (parsed === null || parsed.b === this.brokerId) continue;
      this.table.join({ group: parsed.g, filter: parsed.f }, remoteMember(parsed.b, parsed.c, Number(q)));
    }
  }

  joined(share: ShareFilter, member: Member): void {
    this.send(() => this.store.hset(MEMBERS_KEY, field(member, share), String(member.qos)));
    this.change({ op: 'join', b: member.brokerId, c: member.clientId, g: share.group, f: share.filter, q: member.qos });
  }

  left(share: ShareFilter, member: Member): void {
    this.send(() => this.store.hdel(MEMBERS_KEY, field(member, share)));
    this.change({ op: 'leave', b: member.brokerId, c: member.clientId, g: share.group, f: share.filter, q: member.qos });
  }

  forward(group: Group, member: Member, message: SharedMessage, hops: number): void {
    const env: Envelope = {
      g: group.group,
      f: group.filter,
      c: member.clientId,
      h: hops,
      t: message.topic,
      p: message.payload.toString('base64'),
      q: message.qos,
      r: message.retain,
      u: message.publisher,
      ...(message.properties ? { x: message.properties } : {}),
    };
    const channel = nodeChannel(member.brokerId);
    const text = JSON.stringify(env);
    (this.sharded ? (this.store.spublish(channel, text) as Promise<number>) : this.store.publish(channel, text)).then(
      (receivers) => {
        if (receivers > 0) return;
        this.nodeGone(member.brokerId);
        const again = this.table.get(group.key);
        if (again) this.dispatcher.deliver(again, message, new Set([member.key]), hops);
        else this.dispatcher.deliver(group, message, allRemote(group), hops);
      },
      (err: Error) => {
        // Redis is unreachable: another node cannot be reached now, a member here still can.
        this.logger.debug({ err: err.message }, 'shared subscriptions: forward failed');
        this.dispatcher.deliver(group, message, allRemote(group), hops);
      },
    );
  }

  /** Ends the subscriber and removes this node's members from the hash. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const own: string[] = [];
    for (const g of this.table.all()) for (const m of g.members) if (m.brokerId === this.brokerId) own.push(field(m, g));
    try {
      if (own.length > 0) await this.store.hdel(MEMBERS_KEY, ...own);
      await this.store.publish(CHANGES_CHANNEL, JSON.stringify({ op: 'node-gone', b: this.brokerId } satisfies Change));
    } catch {
      // Redis away at shutdown: the other nodes drop these members when a PUBLISH to this node reaches nobody.
    }
    this.sub.disconnect();
  }

  private nodeGone(brokerId: string): void {
    const fields: string[] = [];
    for (const g of this.table.all()) for (const m of g.members) if (m.brokerId === brokerId) fields.push(field(m, g));
    const n = this.table.leaveNode(brokerId);
    if (n === 0) return;
    this.logger.info({ node: brokerId, members: n }, 'shared subscriptions: a node is gone, its members are removed');
    this.send(() => this.store.hdel(MEMBERS_KEY, ...fields));
    this.change({ op: 'node-gone', b: brokerId });
  }

  private onMessage(channel: string, text: string): void {
    try {
      if (channel === CHANGES_CHANNEL) this.onChange(JSON.parse(text) as Change);
      else this.onDelivery(JSON.parse(text, reviveBuffers) as Envelope);
    } catch (err) {
      this.logger.warn({ channel, err: (err as Error).message }, 'shared subscriptions: unreadable message from redis ignored');
    }
  }

  private onChange(c: Change): void {
    if (c.b === this.brokerId) return;
    if (c.op === 'node-gone') {
      this.table.leaveNode(c.b);
    } else if (c.op === 'join') {
      this.table.join({ group: c.g, filter: c.f }, remoteMember(c.b, c.c, c.q));
    } else {
      this.table.leave(groupKey({ group: c.g, filter: c.f }), memberKey(c.b, c.c));
    }
  }

  private onDelivery(e: Envelope): void {
    const message: SharedMessage = {
      topic: e.t,
      payload: Buffer.from(e.p, 'base64'),
      qos: e.q,
      retain: e.r,
      publisher: e.u,
      ...(e.x ? { properties: e.x } : {}),
    };
    this.dispatcher.receive(groupKey({ group: e.g, filter: e.f }), memberKey(this.brokerId, e.c), message, e.h);
  }

  private change(c: Change): void {
    this.send(() => this.store.publish(CHANGES_CHANNEL, JSON.stringify(c)));
  }

  /** Fire and forget: a failed write is repaired by the resync after Redis comes back. */
  private send(cmd: () => Promise<unknown>): void {
    if (this.closed) return;
    cmd().catch((err: Error) => this.logger.debug({ err: err.message }, 'shared subscriptions: redis write failed'));
  }
}

function field(m: Member, s: ShareFilter): string {
  return JSON.stringify([m.brokerId, m.clientId, s.group, s.filter]);
}

function parseField(f: string): { b: string; c: string; g: string; f: string } | null {
  try {
    const [b, c, g, filter] = JSON.parse(f) as unknown[];
    if (typeof b !== 'string' || typeof c !== 'string' || typeof g !== 'string' || typeof filter !== 'string') return null;
    return { b, c, g, f: filter };
  } catch {
    return null;
  }
}

function remoteMember(brokerId: string, clientId: string, qos: number): Member {
  return { key: memberKey(brokerId, clientId), brokerId, clientId, qos, local: null };
}

function allRemote(group: Group): Set<string> {
  return new Set(group.members.filter((m) => m.local === null).map((m) => m.key));
}

/** JSON turns a Buffer into { type: 'Buffer', data: [...] } (correlation data, for one): turn it back. */
function reviveBuffers(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return value;
}
