import type { Cluster } from 'ioredis';
import { matches, splitLevels } from '../acl/topic-match.js';
import { globEscape, scanKeys } from './scan-keys.js';

type RetainedStream = (patterns: string[]) => AsyncIterable<unknown>;

/** The store's key of a retained message in its cluster layout (aedes-persistence-redis `retainedKey`). */
const RETAINED_PREFIX = 'retained:';

/**
 * Retained messages for wildcard filters on a Redis Cluster. aedes-persistence-redis 11.2.2 keeps
 * one key per retained topic there and finds a wildcard's topics with SCAN on each primary, but it
 * reads each SCAN batch (an array of keys) as a single key, so a batch holding more than one key
 * matches nothing and those retained messages are never sent. This replaces that lookup: SCAN on
 * every primary (scanKeys), topic names decoded one key at a time and matched as MQTT filters, then the
 * store's own exact-topic read (a GET per topic, decoded by the store) for the topics that matched.
 */
export function scanClusterRetained(persistence: object, cluster: Cluster): void {
  // The object Aedes gets wraps the async store (callback API, streams); the lookup lives in the latter.
  const store = (persistence as { asyncPersistence: { createRetainedStreamCombi: RetainedStream } }).asyncPersistence;
  const exact = store.createRetainedStreamCombi.bind(store);
  // The store's createRetainedStream(pattern) calls this.createRetainedStreamCombi([pattern]): it comes here too.
  store.createRetainedStreamCombi = async function* retainedOnEveryShard(patterns: string[]): AsyncIterable<unknown> {
    const topics = new Set<string>();
    const filters: string[][] = [];
    for (const p of patterns) {
      if (p.includes('+') || p.includes('#')) filters.push(splitLevels(p));
      else topics.add(p);
    }
    if (filters.length > 0) {
      const match = `${RETAINED_PREFIX}${globEscape(encodeURIComponent(literalPrefix(patterns.filter((p) => /[+#]/.test(p)))))}*`;
      for await (const batch of scanKeys(cluster, match)) {
        for (const key of batch) {
          const topic = decodeURIComponent(key.slice(RETAINED_PREFIX.length));
          const levels = splitLevels(topic);
          if (filters.some((f) => matches(f, levels))) topics.add(topic);
        }
      }
    }
    if (topics.size > 0) yield* exact([...topics]);
  };
}

/** The longest text every filter starts with before its first wildcard: the SCAN pattern's fixed part. */
function literalPrefix(filters: string[]): string {
  let prefix = filters[0].slice(0, firstWildcard(filters[0]));
  for (const f of filters) {
    const lit = f.slice(0, firstWildcard(f));
    let i = 0;
    while (i < prefix.length && i < lit.length && prefix[i] === lit[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

function firstWildcard(filter: string): number {
  const i = filter.search(/[+#]/);
  return i === -1 ? filter.length : i;
}
