/**
 * Health checks: a periodic task that never overlaps itself, and the connection test behind
 * "test connector" (Echo on the url's hosts, then ListShards of a stream).
 */
import type { HStreamClient } from './client.js';
import { describeCallError, isGrpcError } from './errors.js';
import { activeRanges, type WireShard } from './shards.js';

/** Runs `task` every `intervalMs` (first run after `firstDelayMs`), one run at a time; returns a stopper. */
export function startPeriodic(task: () => Promise<void>, intervalMs: number, firstDelayMs = intervalMs): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    try {
      await task();
    } catch {
      // the task reports its own failures
    }
    if (!stopped) {
      timer = setTimeout(run, intervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(run, firstDelayMs);
  timer.unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

// A type alias (not an interface) so it fits the registry's open `{ ok, message, [detail] }` shape.
export type ConnectionTestResult = {
  readonly ok: boolean;
  /** What worked, or what failed and what to check. */
  readonly message: string;
  /** Active shards of the stream (0 when no stream was given or the test failed). */
  readonly shardCount: number;
};

/** Echo, then (with a stream) ListShards: the calls a real write needs first. */
export async function testConnection(client: HStreamClient, timeoutMs: number, stream?: string): Promise<ConnectionTestResult> {
  let target = client.currentSeed;
  try {
    const echo = await client.seedCall<{ msg: string }>('Echo', { msg: 'hello' }, timeoutMs);
    target = echo.target;
    if (echo.res.msg !== 'hello') {
      return { ok: false, message: `${target} answered Echo with '${echo.res.msg}': not an HStreamDB server?`, shardCount: 0 };
    }
    if (stream === undefined) return { ok: true, message: `connected to ${target}`, shardCount: 0 };
    const { res } = await client.seedCall<{ shards: WireShard[] }>('ListShards', { streamName: stream }, timeoutMs);
    const shards = activeRanges(res.shards ?? []);
    if (shards.length === 0) {
      return { ok: false, message: `stream '${stream}' has no active shard on ${target}`, shardCount: 0 };
    }
    return { ok: true, message: `connected to ${target}; stream '${stream}' has ${shards.length} active shard(s)`, shardCount: shards.length };
  } catch (e) {
    if (isGrpcError(e)) return { ok: false, message: describeCallError(e, target, stream), shardCount: 0 };
    return { ok: false, message: `connection test failed: ${(e as Error).message}`, shardCount: 0 };
  }
}
