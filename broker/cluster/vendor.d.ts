// aedes-persistence-redis ships no typings; this declares the part rulemq uses.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';

  interface RedisPersistenceOptions {
    /** An existing connection (rulemq passes its own, with bounded queues): a Redis, or a Cluster typed as one. */
    conn?: Redis;
    /**
     * Truthy: the store is on a Redis Cluster. An array of nodes makes it open its own Cluster; `true`
     * with `conn` keeps ours and only switches its cluster layout (a key per retained message, no
     * multi-key commands).
     */
    cluster?: true | readonly { host: string; port: number }[];
    /** Queued messages delivered on CONNECT of a persistent session (default 1000). */
    maxSessionDelivery?: number;
    /** Seconds a queued (offline) message lives; 0 = forever (default). */
    packetTTL?: (packet: unknown) => number;
  }

  /** The persistence Aedes takes as its `persistence` option (promise API when no callback is given). */
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    cleanIncoming?: (client: { id: string }) => Promise<void>;
  }

  function createRedisPersistence(opts?: RedisPersistenceOptions): RedisPersistence;
  export default createRedisPersistence;
}
