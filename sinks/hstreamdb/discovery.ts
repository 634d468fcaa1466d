/**
 * Shard discovery, as the official clients do it: ListShards of the stream (active shards only),
 * then LookupResource(ResShard, "<shardId>") for the node that serves each shard.
 */
import { SinkError } from '../errors.js';
import type { HStreamClient } from './client.js';
import { ShardMap, activeRanges, type WireShard } from './shards.js';
import { hostPortKey } from './url.js';

export interface Discovered {
  readonly map: ShardMap;
  /** host:port serving each shard, in the order of `map.ranges`. */
  readonly targets: readonly string[];
}

/**
 * Rejects with the grpc-js error of the first failed call (NOT_FOUND when the stream does not
 * exist), or SINK_STREAM_NOT_FOUND when the server lists no active shard for the stream (a server
 * may answer an unknown stream with an empty list).
 */
export async function discoverShards(client: HStreamClient, stream: string, timeoutMs: number): Promise<Discovered> {
  const { res, target } = await client.seedCall<{ shards?: WireShard[] }>('ListShards', { streamName: stream }, timeoutMs);
  const ranges = activeRanges(res.shards ?? []);
  if (ranges.length === 0) {
    throw new SinkError('SINK_STREAM_NOT_FOUND', `stream '${stream}' has no active shard on ${target}: does it exist? create it first`);
  }
  const targets = await Promise.all(
    ranges.map(async (r) => {
      const { res: node } = await client.seedCall<{ host: string; port: number }>('LookupResource', { resType: 'ResShard', resId: r.shardId }, timeoutMs);
      return hostPortKey({ host: node.host, port: node.port });
    }),
  );
  return { map: new ShardMap(ranges), targets };
}
