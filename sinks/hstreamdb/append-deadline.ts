/**
 * The deadline of an action's Appends. grpc_flush_timeout, doubled per earlier timeout of the
 * batch or of recent Appends, at most max(grpc_flush_timeout, request_ttl): a timed-out Append may
 * have been stored, and retrying it with the same deadline against a slow server would store it
 * again on every attempt. The level rises with an Append that timed out or was answered late, and
 * falls with one answered within grpc_flush_timeout, so a server slower than the timeout gets each
 * batch once or twice instead of once per retry until request_ttl.
 */

/** At most 2^6 × grpc_flush_timeout (and never past request_ttl). */
const MAX_SLOW_LEVEL = 6;

export class AppendDeadline {
  /** How many times grpc_flush_timeout is doubled for Appends to get answered. */
  private slowLevel = 0;

  constructor(
    private readonly flushMs: number,
    private readonly requestTtlMs: number,
  ) {}

  /** The deadline (ms) of an Append of a batch that already timed out `batchTimeouts` times. */
  timeoutMs(batchTimeouts: number): number {
    return Math.min(this.flushMs * 2 ** Math.max(batchTimeouts, this.slowLevel), Math.max(this.flushMs, this.requestTtlMs));
  }

  /** An Append was answered OK after `elapsedMs`; returns whether that is a late reply (after grpc_flush_timeout). */
  answered(elapsedMs: number): boolean {
    const late = elapsedMs > this.flushMs;
    if (!late) {
      if (this.slowLevel > 0) this.slowLevel--;
    } else if (2 * elapsedMs > this.flushMs * 2 ** this.slowLevel) {
      // Keep the deadline at least twice the latest answer time, so a slow server's jitter does not turn into copies.
      this.slowLevel = Math.min(MAX_SLOW_LEVEL, this.slowLevel + 1);
    }
    return late;
  }

  /** An Append of a batch timed out (its `batchTimeouts`-th time). */
  timedOut(batchTimeouts: number): void {
    this.slowLevel = Math.min(MAX_SLOW_LEVEL, Math.max(this.slowLevel, batchTimeouts));
  }
}
