/**
 * Taking rows back from where they wait: from the shards of a routing that ends (a new shard map,
 * the stream blocked, the action closing), and rows past request_ttl. Every row comes back oldest first per shard, and the ledger hears of each move,
 * so `matched = success + failed + dropped + queuing + inflight + late_reply` holds throughout.
 */
import type { Fifo } from '../queue.js';
import type { Batch, Row, ShardBatcher } from './batcher.js';
import type { RowLedger } from './ledger.js';

/**
 * Stops the shards of an old shard map and takes back every row that can be routed again: waiting
 * rows, and rows of batches backing off before a retry (counted as retried, back to queuing). A
 * batch in an Append stays out (its answer decides); the count of those is returned.
 */
export function takeForReroute(shards: readonly ShardBatcher[], ledger: RowLedger, active: Set<Batch>): { moved: Row[]; inRpc: number } {
  const moved: Row[] = [];
  let inRpc = 0;
  for (const s of shards) {
    s.stop();
    const cur = s.current;
    if (cur) {
      if (cur.phase === 'rpc') {
        inRpc++;
      } else {
        // A batch waiting to retry: its rows go again, routed by the new map (older rows first).
        if (cur.timer) clearTimeout(cur.timer);
        ledger.retried(cur.rows.length);
        ledger.backToQueue(cur.rows);
        for (const r of cur.rows) moved.push(r);
        cur.abandoned = true;
        s.current = null;
        active.delete(cur);
      }
    }
    for (const r of s.takeRows()) moved.push(r);
  }
  return { moved, inRpc };
}

/** Rows waiting to be routed and in the shards' batches (not in an Append), oldest first; removes them. */
export function takeWaiting(pending: { drain(): Row[] }, shards: readonly ShardBatcher[] | undefined): Row[] {
  const out = pending.drain();
  if (shards) for (const s of shards) for (const r of s.takeRows()) out.push(r);
  return out;
}

/** Rows past their deadline, oldest first, from the front of `pending` and of each shard's batches; removes them. */
export function takeExpired(pending: Fifo<Row>, shards: readonly ShardBatcher[] | undefined, now: number): Row[] {
  const out: Row[] = [];
  let head = pending.peek();
  while (head && head.deadline <= now) {
    out.push(pending.shift()!);
    head = pending.peek();
  }
  if (shards) for (const s of shards) for (const r of s.takeExpired(now)) out.push(r);
  return out;
}

/** Removes rows past their deadline from a batch's rows, telling `drop` about each; the rows kept (the same array when none expired). */
export function dropExpired(rows: Row[], now: number, drop: (r: Row) => void): Row[] {
  let i = 0;
  while (i < rows.length && rows[i].deadline > now) i++;
  if (i === rows.length) return rows;
  const live = rows.slice(0, i);
  for (; i < rows.length; i++) {
    const r = rows[i];
    if (r.deadline <= now) drop(r);
    else live.push(r);
  }
  return live;
}
