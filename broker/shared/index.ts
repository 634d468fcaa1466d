import type { Aedes } from 'aedes';
import type { BrokerHooks } from '../hooks.js';
import type { Redis } from 'ioredis';
import type client from 'prom-client';
import type { Logger } from '../logger.js';
import type { SharedStrategy } from '../config/schema.js';
import { installSharedHooks } from './aedes-hooks.js';
import { groupKey } from './filter.js';
import { ClusterLink } from './cluster-link.js';
import { SharedDispatcher } from './dispatcher.js';
import { GroupTable } from './groups.js';
import { newSharedCounters, registerSharedMetrics, type SharedCounters } from './metrics.js';

export { parseShareFilter, isShareTopic } from './filter.js';

export interface SharedOptions {
  readonly strategy: SharedStrategy;
  readonly logger: Logger;
  readonly registry: client.Registry;
  /** The node's Redis command connection in cluster mode: groups then span every node. */
  readonly redis?: Redis;
}

/** Shared subscriptions of one broker (and, with Redis, of the cluster it belongs to). */
export class SharedSubscriptions {
  readonly table = new GroupTable();
  readonly counters: SharedCounters = newSharedCounters();
  readonly dispatcher: SharedDispatcher;
  private readonly link: ClusterLink | null;

  constructor(broker: Aedes, hooks: BrokerHooks, opts: SharedOptions) {
    this.dispatcher = new SharedDispatcher(broker, this.table, opts.strategy, this.counters, opts.logger);
    this.link = opts.redis ? new ClusterLink(opts.redis, broker.id, this.table, this.dispatcher, opts.logger) : null;
    this.dispatcher.remote = this.link;
    // Read by Aedes 2 (with rulemq's patch) to stop refusing `$share/` with 0x9E and to advertise
    // Shared Subscription Available in CONNACK [MQTT-3.2.2-13]; Aedes 1.2 ignores it.
    (broker as unknown as { sharedSubscriptionAvailable: boolean }).sharedSubscriptionAvailable = true;
    installSharedHooks(broker, hooks, this.table, this.dispatcher, this.counters, () => this.link);
    registerSharedMetrics(opts.registry, this.counters, this.table, () => broker.id);
  }

  /** Cluster mode: subscribes to the node's channels and loads the member list before listeners open. */
  async start(): Promise<void> {
    await this.link?.start();
  }

  /** Members of group `group` with filter `filter`, on every node this node knows of. */
  members(group: string, filter: string): number {
    return this.table.get(groupKey({ group, filter }))?.members.length ?? 0;
  }

  async close(): Promise<void> {
    await this.link?.close();
  }
}
