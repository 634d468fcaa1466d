import type { Duplex } from 'node:stream';
import type { SecurityCounters } from './counters.js';
import { TokenBucket } from './token-bucket.js';

/**
 * Admission of new MQTT connections, all listeners together: at most `maxConnections` open at
 * once and `maxConnectRate` new ones per second (a bucket holding one second's worth). A refused
 * connection is destroyed at once, before Aedes sees it. 0 disables either limit.
 *
 * The owner of an admitted connection calls `release()` when it closes: the broker already has one
 * close listener per connection (broker/listeners/guard-connection.ts), so the gate adds none.
 */
export class ConnectionGate {
  private live = 0;
  private readonly bucket: TokenBucket | null;

  constructor(
    private readonly maxConnections: number,
    maxConnectRate: number,
    private readonly counters: SecurityCounters,
  ) {
    this.bucket = maxConnectRate > 0 ? new TokenBucket(maxConnectRate, maxConnectRate) : null;
  }

  /** Connections admitted and not released yet. */
  get open(): number {
    return this.live;
  }

  /** Admits `conn` (to be released once when it closes), or destroys it and returns the limit that refused it. */
  admit(conn: Duplex): 'max_connections' | 'connect_rate' | null {
    let refused: 'max_connections' | 'connect_rate' | null = null;
    if (this.maxConnections > 0 && this.live >= this.maxConnections) refused = 'max_connections';
    else if (this.bucket !== null && !this.bucket.tryTake()) refused = 'connect_rate';
    if (refused !== null) {
      this.counters.limit(refused);
      conn.destroy();
      return refused;
    }
    this.live++;
    return null;
  }

  /** An admitted connection closed. */
  release(): void {
    this.live--;
  }
}
