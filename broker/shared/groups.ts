import type { Client } from 'aedes';
import { TopicIndex } from '../../rules/topic-index.js';
import { groupKey, type ShareFilter } from './filter.js';
import type { PickState } from './strategy.js';

/** Aedes' per-subscription delivery function (QoS, no-local and retain-as-published handling included). */
export type DeliverFunc = (packet: object, cb: () => void) => void;

/** A client of this node in a group: the Aedes client and the delivery function of its subscription. */
export interface LocalMember {
  readonly client: Client;
  readonly func: DeliverFunc;
}

export interface Member {
  /** `<brokerId> NUL <clientId>`: unique in the cluster, and the order members are picked in. */
  readonly key: string;
  readonly brokerId: string;
  readonly clientId: string;
  /** The QoS granted to the subscription: deliveries are downgraded to it. */
  qos: number;
  /** Set for members connected to this node; null for members on other nodes. */
  local: LocalMember | null;
}

export class Group implements ShareFilter {
  readonly key: string;
  /** Sorted by key, so every node sees the same order. */
  readonly members: Member[] = [];
  readonly state: PickState = { next: 0, sticky: null };

  constructor(
    readonly group: string,
    readonly filter: string,
  ) {
    this.key = groupKey(this);
  }

  find(key: string): Member | undefined {
    return this.members.find((m) => m.key === key);
  }
}

export function memberKey(brokerId: string, clientId: string): string {
  return `${brokerId}\u0000${clientId}`;
}

/**
 * The shared subscription groups known to this node: its own members and, in a cluster, the members
 * on other nodes. A group exists while it has members; the topic index is rebuilt only when a group
 * appears or disappears, so joins and leaves of further members cost no rebuild.
 */
export class GroupTable {
  private readonly groups = new Map<string, Group>();
  private index: TopicIndex<Group> | null = null;

  get size(): number {
    return this.groups.size;
  }

  all(): IterableIterator<Group> {
    return this.groups.values();
  }

  get(key: string): Group | undefined {
    return this.groups.get(key);
  }

  /** Adds the member, or updates its QoS and local delivery (a resubscribe). Returns the group. */
  join(share: ShareFilter, member: Member): Group {
    const key = groupKey(share);
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(share.group, share.filter);
      this.groups.set(key, group);
      this.index = null;
    }
    const existing = group.find(member.key);
    if (existing) {
      existing.qos = member.qos;
      existing.local = member.local;
      return group;
    }
    const members = group.members;
    let i = members.length;
    while (i > 0 && members[i - 1].key > member.key) i--;
    members.splice(i, 0, member);
    return group;
  }

  /** Removes a member; the group goes when its last member does. */
  leave(key: string, memberKey: string): Member | undefined {
    const group = this.groups.get(key);
    if (!group) return undefined;
    const i = group.members.findIndex((m) => m.key === memberKey);
    if (i < 0) return undefined;
    const [gone] = group.members.splice(i, 1);
    if (group.members.length === 0) {
      this.groups.delete(key);
      this.index = null;
    }
    return gone;
  }

  /** Removes every member on node `brokerId` (a node that went away). Returns how many. */
  leaveNode(brokerId: string): number {
    let n = 0;
    for (const group of [...this.groups.values()]) {
      for (const m of [...group.members]) {
        if (m.brokerId === brokerId && this.leave(group.key, m.key)) n++;
      }
    }
    return n;
  }

  /** The groups whose filter matches a topic name. */
  match(topic: string): readonly Group[] {
    if (this.groups.size === 0) return [];
    if (this.index === null) {
      this.index = new TopicIndex<Group>();
      for (const g of this.groups.values()) this.index.add(g.filter, g);
    }
    return this.index.match(topic);
  }
}
