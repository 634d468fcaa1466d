/**
 * Routing a partition key to a shard: MD5 of the key's UTF-8 bytes read as an unsigned
 * big-endian 128-bit integer, and the active shard whose inclusive decimal range holds it.
 */
import * as crypto from 'node:crypto';

export const HASH_SPACE_MAX = (1n << 128n) - 1n;

/**
 * MD5 of a string's UTF-8 bytes. crypto.hash (Node 20.12+) is the one-shot form, about twice as fast for a short
 * key as a Hash object; every new partition key pays it once (10,000 devices starting at once pay it 10,000 times).
 */
const md5: (key: string) => Buffer =
  typeof crypto.hash === 'function' ? (key) => crypto.hash('md5', key, 'buffer') : (key) => crypto.createHash('md5').update(key, 'utf8').digest();

/** MD5(UTF-8 key) as an unsigned big-endian 128-bit integer. An empty key hashes like any other. */
export function keyHash(key: string): bigint {
  const d = md5(key);
  return (d.readBigUInt64BE(0) << 64n) | d.readBigUInt64BE(8);
}

/** HStreamDB's split of the key space into `n` contiguous inclusive ranges (as the server makes them). */
export function splitKeySpace(n: number): { start: bigint; end: bigint }[] {
  const cnt = HASH_SPACE_MAX / BigInt(n);
  const out: { start: bigint; end: bigint }[] = [];
  for (let i = 0; i < n; i++) {
    const start = BigInt(i) * cnt;
    out.push({ start, end: i === n - 1 ? HASH_SPACE_MAX : start + cnt - 1n });
  }
  return out;
}

export interface ShardRange {
  /** 64-bit shard id as a decimal string (never a JS number). */
  readonly shardId: string;
  readonly start: bigint;
  readonly end: bigint;
}

/** A shard as ListShards answers it (longs as strings). */
export interface WireShard {
  streamName?: string;
  shardId: string;
  startHashRangeKey: string;
  endHashRangeKey: string;
  isActive?: boolean;
}

/** Keeps active shards and parses their ranges; throws on a malformed bound. */
export function activeRanges(shards: readonly WireShard[]): ShardRange[] {
  const out: ShardRange[] = [];
  for (const s of shards) {
    if (!s.isActive) continue; // real clients drop shards answered with isActive = false
    if (!/^\d+$/.test(s.startHashRangeKey) || !/^\d+$/.test(s.endHashRangeKey)) {
      throw new Error(`shard ${s.shardId} has a malformed hash range [${s.startHashRangeKey}, ${s.endHashRangeKey}]`);
    }
    out.push({ shardId: String(s.shardId), start: BigInt(s.startHashRangeKey), end: BigInt(s.endHashRangeKey) });
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

const KEY_CACHE_LIMIT = 65_536;

/** Sorted shard ranges with a key → index cache (partition keys repeat: client ids, device ids). */
export class ShardMap {
  readonly ranges: readonly ShardRange[];
  /** Identifies the shard layout: equal signatures route every key the same way. */
  readonly signature: string;
  private readonly cache = new Map<string, number>();

  constructor(ranges: readonly ShardRange[]) {
    this.ranges = ranges;
    this.signature = ranges.map((r) => `${r.shardId}:${r.start}-${r.end}`).join(',');
  }

  /** Index into `ranges` of the shard that holds the key, or -1 when no active shard covers it. */
  indexOfKey(key: string): number {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const idx = this.indexOfHash(keyHash(key));
    if (this.cache.size >= KEY_CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, idx);
    return idx;
  }

  indexOfHash(h: bigint): number {
    const r = this.ranges;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (h < r[mid].start) hi = mid - 1;
      else if (h > r[mid].end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
