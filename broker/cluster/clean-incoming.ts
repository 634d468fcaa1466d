import type { Redis } from 'ioredis';
import { asCluster } from './connection.js';
import { globEscape, scanKeys } from './scan-keys.js';

/**
 * `cleanIncoming` for aedes-persistence-redis 11.x, which lacks it: deletes the QoS 2 packets a
 * client id left awaiting PUBREL (keys `incoming:<encoded client id>:<packet id>`, the store's own
 * layout), on whichever node they were stored. broker/limits/incoming-qos2.ts calls it when a
 * session starts clean or ends, so a new session reusing a packet id is not mistaken for a
 * retransmission of the old one [MQTT-3.1.2-4].
 *
 * On a Redis Cluster the keys hash to different slots: SCAN runs on every primary (a Cluster
 * client sends a keyless SCAN to one random node), and each key is deleted on its own (a DEL of
 * several keys in different slots is refused with CROSSSLOT).
 */
export function redisCleanIncoming(db: Redis): (client: { id: string }) => Promise<void> {
  return async function cleanIncoming(client) {
    const cluster = asCluster(db);
    for await (const keys of scanKeys(db, `incoming:${globEscape(encodeURIComponent(client.id))}:*`)) {
      if (keys.length === 0) continue;
      if (cluster) await Promise.all(keys.map((k) => cluster.del(k)));
      else await db.del(...keys);
    }
  };
}
