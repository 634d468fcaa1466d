/**
 * What a failed Append means for its batch, as logged: its rows fail (with the error their callers
 * get, and whether writing is blocked from now on), or the batch is sent again. The classification
 * itself is sinks/retry.ts (a pure function); this adds the message, the error code and the log line.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { SinkError, type SinkErrorCode } from '../errors.js';
import { classifyAppendError } from '../retry.js';
import type { RateLimitedLog } from '../../common/logger.js';
import { describeCallError, serverError } from './errors.js';
import { isAuthError } from './shard-map-watch.js';

export type FailedAppend =
  | { readonly action: 'fail'; readonly error: SinkError; readonly block: boolean }
  | { readonly action: 'retry'; readonly rediscover: boolean };

export interface FailedAppendContext {
  readonly action: string;
  readonly stream: string;
  readonly target: string;
  readonly shardId: string;
  readonly rows: number;
  /** The attempt that failed (1 = first). */
  readonly attempt: number;
  /** Writing is already blocked (a missing stream then fails the rows instead of waiting). */
  readonly blocked: boolean;
  /** Deadline of the next attempt, for the log line. */
  readonly nextDeadlineMs: number;
  /** The shard map changed while the Append was out: a retry re-routes the rows (no retry line). */
  readonly reroute: boolean;
}

export function judgeFailedAppend(err: ServiceError, c: FailedAppendContext, rl: RateLimitedLog): FailedAppend {
  const verdict = classifyAppendError(err.code, err.details ?? '');
  if (verdict.action === 'fail' || (verdict.action === 'stream_missing' && c.blocked)) {
    const msg = describeCallError(err, c.target, c.stream);
    rl.log(
      'error',
      `fail:${verdict.reason}`,
      { action: c.action, stream: c.stream, shard: c.shardId, rows: c.rows, err: msg },
      'hstreamdb Append failed; rows failed',
    );
    const code: SinkErrorCode = verdict.action === 'stream_missing' ? 'SINK_STREAM_NOT_FOUND' : 'SINK_UNRECOVERABLE';
    return { action: 'fail', error: new SinkError(code, msg, { cause: err }), block: isAuthError(err) };
  }
  if (c.reroute) return { action: 'retry', rediscover: verdict.rediscover };
  rl.log(
    'warn',
    `retry:${verdict.reason}`,
    {
      action: c.action,
      shard: c.shardId,
      rows: c.rows,
      attempt: c.attempt,
      nextDeadlineMs: c.nextDeadlineMs,
      err: serverError(err.details ?? '').message,
      maybeCommitted: verdict.maybeCommitted,
    },
    'hstreamdb Append failed; retrying the batch',
  );
  return { action: 'retry', rediscover: verdict.rediscover };
}
