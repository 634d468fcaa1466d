/**
 * What to do after a failed gRPC call, as a pure function of its status (tested on its own), and
 * the backoff between attempts.
 */
import { status } from '@grpc/grpc-js';

export interface Verdict {
  /** retry: the same batch again after a backoff; fail: settle its rows as failed; stream_missing: check the stream, then fail or re-route. */
  readonly action: 'retry' | 'fail' | 'stream_missing';
  /** Refresh the shard map (ListShards + LookupResource) before the next attempt. */
  readonly rediscover: boolean;
  /** The server may have stored the batch although we saw an error (a retry can duplicate it). */
  readonly maybeCommitted: boolean;
  /** A short reason for logs and metrics. */
  readonly reason: string;
}

const v = (action: Verdict['action'], rediscover: boolean, maybeCommitted: boolean, reason: string): Verdict =>
  Object.freeze({ action, rediscover, maybeCommitted, reason });

/**
 * Classifies a failed Append.
 * - UNAVAILABLE: connection failures and HStreamDB's "unknown shard" / store timeout → retry after rediscovery.
 * - DEADLINE_EXCEEDED: retry; the batch may already be committed (late reply), so a retry can duplicate it.
 * - RESOURCE_EXHAUSTED: server overloaded → retry, except grpc-js' own "message larger than max" which never succeeds.
 * - ABORTED, INTERNAL, CANCELLED (not by us): transient on HStreamDB (store errors, reset streams) → retry.
 * - NOT_FOUND: stream gone (or shard gone after a recreate) → look the stream up before deciding.
 * - INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, ALREADY_EXISTS, DATA_LOSS, UNKNOWN,
 *   UNAUTHENTICATED, PERMISSION_DENIED → permanent for this batch: fail without retrying.
 */
export function classifyAppendError(code: number, details = ''): Verdict {
  switch (code) {
    case status.UNAVAILABLE:
      return v('retry', true, false, 'unavailable');
    case status.DEADLINE_EXCEEDED:
      return v('retry', true, true, 'deadline_exceeded');
    case status.RESOURCE_EXHAUSTED:
      return /larger than max/i.test(details) ? v('fail', false, false, 'message_too_large') : v('retry', false, false, 'resource_exhausted');
    case status.ABORTED:
      return v('retry', false, false, 'aborted');
    case status.INTERNAL:
      return v('retry', true, true, 'internal');
    case status.CANCELLED:
      return v('retry', true, true, 'cancelled');
    case status.NOT_FOUND:
      return v('stream_missing', true, false, 'not_found');
    case status.UNAUTHENTICATED:
      return v('fail', false, false, 'unauthenticated');
    case status.PERMISSION_DENIED:
      return v('fail', false, false, 'permission_denied');
    case status.INVALID_ARGUMENT:
      return v('fail', false, false, 'invalid_argument');
    default:
      return v('fail', false, false, `grpc_status_${code}`);
  }
}

/**
 * Capped exponential backoff with jitter: attempt 1 waits about `baseMs`, each next one twice as
 * long up to `maxMs`; the wait is drawn from [50 %, 100 %] of that so retrying writers spread out.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(exp * (0.5 + 0.5 * random())));
}
