/**
 * The in-process HStreamDB test server (tests/support/hstream-server.ts), alone in its process so it
 * does not share the broker's event loop. Two modes:
 * - 'count': counts records only (cheapest; throughput runs);
 * - 'full': decodes every record as HStreamDB does, and right after each Append is stored notes, per
 *   partition key, how many records arrived and the monotonic clock (µs) of every `sample`-th one.
 *   Records of one key arrive in publish order (one shard per key, one Append in flight per shard), so
 *   the k-th record of client C is the message C published with sequence number k: the runner joins
 *   these times with the publishers' send times to get publish → stored latency, with the seed rule
 *   unchanged (its record carries no send timestamp).
 */
import { HStreamTestServer } from '../tests/support/hstream-server.js';
import { childArg, emit, serveIpc } from './lib/procs.js';

export interface HStreamChildArg {
  stream: string;
  shards: number;
  decode: 'count' | 'full';
  /** Keep the stored time of every sample-th record per key (full mode). */
  sample?: number;
}

export interface StoredSamples {
  /** Records per partition key. */
  perKey: Record<string, number>;
  /** [key, k, µs] for k % sample == 0. */
  samples: [string, number, number][];
}

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const arg = childArg<HStreamChildArg>();
  const server = new HStreamTestServer({ decode: arg.decode });
  await server.start();
  server.createStream(arg.stream, arg.shards);
  const sample = arg.sample ?? 16;
  const perKey = new Map<string, number>();
  let samples: [string, number, number][] = [];

  if (arg.decode === 'full') {
    // The predicate runs synchronously after every stored Append (and every other call); it drains the
    // decoded records so memory stays flat over long runs. `records()` is the server's own array.
    const drain = (): boolean => {
      const recs = server.records(arg.stream);
      if (recs.length === 0) return false;
      const t = nowMicros();
      for (let i = 0; i < recs.length; i++) {
        const key = recs[i].key;
        const k = perKey.get(key) ?? 0;
        perKey.set(key, k + 1);
        if (k % sample === 0) samples.push([key, k, t]);
      }
      recs.length = 0;
      return false;
    };
    server.waitUntil(drain, 2 ** 31 - 1).catch(() => undefined);
  }

  serveIpc(
    {
      stats: () => ({
        count: server.recordCount,
        appends: server.calls.Append ?? 0,
        invalid: server.invalidRecords,
        keyShardViolations: server.keyShardViolations,
      }),
      faults: (m) => {
        Object.assign(server.faults, m.faults as object);
        return {};
      },
      samples: (): StoredSamples => {
        const out = { perKey: Object.fromEntries(perKey), samples };
        samples = [];
        return out;
      },
    },
    () => server.stop(),
  );
  emit('ready', { port: server.port, pid: process.pid });
}

await main();
