import type { Cluster, Redis } from 'ioredis';

/** SCAN MATCH is a glob: `*`, `?`, `[`, `]` and `\` in `text` are escaped to match themselves. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Batches of the keys matching `match` (a SCAN glob): from every primary of a Redis Cluster (a
 * Cluster client sends a keyless SCAN to one random node, which holds only its own slots' keys), or
 * from the one Redis.
 */
export async function* scanKeys(db: Redis | Cluster, match: string): AsyncIterable<string[]> {
  const nodes = db.isCluster ? (db as Cluster).nodes('master') : [db as Redis];
  for (const node of nodes) {
    for await (const batch of node.scanStream({ match, count: 200 }) as AsyncIterable<string[]>) yield batch;
  }
}
