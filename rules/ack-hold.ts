/**
 * ack_mode = 'sink': one client PUBLISH (QoS 1/2) whose acknowledgement waits, inside Aedes'
 * `authorizePublish`, for every row it produced for a sink-mode action.
 *
 * The hold starts with one pending unit for the evaluation pass itself, so rows settling while the
 * rules are still being evaluated cannot release the PUBACK early. The first failure answers at once
 * with that error (Aedes then closes the connection without PUBACK, and the client resends);
 * later outcomes are ignored.
 */
export type AckCallback = (error?: Error | null) => void;

export interface AckHoldObserver {
  /** Every row written: Aedes acknowledges (and only then publishes the message to subscribers). */
  written(hold: AckHold): void;
  /** A row failed or was dropped: Aedes closes the connection without acknowledging. */
  refused(hold: AckHold, err: Error): void;
}

export class AckHold {
  private pending = 1;
  private finished = false;

  constructor(
    private readonly callback: AckCallback,
    private readonly observer: AckHoldObserver,
    /** For logs: the publisher and the topic. */
    readonly clientId: string,
    readonly topic: string,
  ) {}

  /** One more row to wait for. */
  add(): void {
    this.pending++;
  }

  /** One row settled (null = written). */
  settle(err: Error | null): void {
    if (this.finished) return;
    if (err) {
      this.finished = true;
      this.observer.refused(this, err);
      this.callback(err);
      return;
    }
    if (--this.pending === 0) {
      this.finished = true;
      this.observer.written(this);
      this.callback(null);
    }
  }

  /** The evaluation pass is over: from now on the last row to settle answers. */
  release(): void {
    this.settle(null);
  }
}
