import client from 'prom-client';
import type { GroupTable } from './groups.js';

/** Why a shared message reached no member of a group. */
export const DROP_REASONS = ['no_member', 'hops'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Plain integers on the hot path, read by prom-client at scrape time (as BrokerCounters). */
export interface SharedCounters {
  delivered: number;
  forwarded: number;
  redispatched: number;
  refused: number;
  refusedByMember: number;
  readonly dropped: Record<DropReason, number>;
}

export function newSharedCounters(): SharedCounters {
  return { delivered: 0, forwarded: 0, redispatched: 0, refused: 0, refusedByMember: 0, dropped: { no_member: 0, hops: 0 } };
}

export function registerSharedMetrics(registry: client.Registry, counters: SharedCounters, table: GroupTable, brokerId: () => string): void {
  const counter = (name: string, help: string, value: () => number) =>
    new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  counter(
    'rulemq_shared_delivered_total',
    'Messages this node wrote to a member of a shared subscription group ($share/<group>/<filter>, $queue/<filter>).',
    () => counters.delivered,
  );
  counter(
    'rulemq_shared_forwarded_total',
    'Shared-subscription messages this node sent through Redis to the node of the member it picked.',
    () => counters.forwarded,
  );
  counter(
    'rulemq_shared_redispatched_total',
    'QoS 1/2 shared-subscription messages given to another member because the first left (disconnect or UNSUBSCRIBE) before acknowledging them.',
    () => counters.redispatched,
  );
  counter(
    'rulemq_shared_member_refusals_total',
    'Shared-subscription copies the picked member may not receive (ACL read on the topic, session not ready); another member of the group gets the message.',
    () => counters.refusedByMember,
  );
  counter('rulemq_shared_refused_total', 'Shared subscriptions refused because the filter is malformed (SUBACK 0x80).', () => counters.refused);
  new client.Counter({
    name: 'rulemq_shared_dropped_total',
    help: 'Shared-subscription messages no member of a matching group got, by reason (no_member: the group had no reachable member; hops: passed between nodes too often).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of Object.keys(counters.dropped) as DropReason[]) this.inc({ reason }, counters.dropped[reason]);
    },
  });
  new client.Gauge({
    name: 'rulemq_shared_groups',
    help: 'Shared subscription groups (group and filter) with at least one member, cluster-wide as this node knows them.',
    registers: [registry],
    collect() {
      this.set(table.size);
    },
  });
  new client.Gauge({
    name: 'rulemq_shared_members',
    help: 'Memberships of shared subscription groups held by clients connected to this node.',
    registers: [registry],
    collect() {
      const id = brokerId();
      let n = 0;
      for (const g of table.all()) for (const m of g.members) if (m.brokerId === id) n++;
      this.set(n);
    },
  });
}
