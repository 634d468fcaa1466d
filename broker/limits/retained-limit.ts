import type { Aedes } from 'aedes';
import type { SecurityCounters } from './counters.js';

interface RetainedPersistence {
  storeRetained(packet: { topic: string; payload: Buffer | string; retain?: boolean }): Promise<void>;
}

export interface RetainedLimits {
  /** Most retained topics (0 = no limit). */
  maxMessages: number;
  /** Most payload bytes over all retained messages (0 = no limit). */
  maxBytes: number;
  /** Largest payload kept as a retained message (0 = no limit). */
  maxPayloadBytes: number;
}

/**
 * Bounds and counts the retained messages stored through this node: one client must not be able to
 * fill memory (or Redis) with retained topics. Every retained message passes Aedes' persistence
 * `storeRetained` (a client's, a rule's republish, a will), so that one call is wrapped. A message
 * over a bound is still delivered to the subscribers online now; it is only not kept, and the bound
 * is counted in rulemq_limit_hits_total (retained_messages, retained_bytes, retained_payload). An
 * empty payload deletes the topic's retained message, always. With Redis, each node bounds what it
 * stored itself.
 */
export class RetainedLimit {
  /** Topic → payload bytes of its retained message. */
  private readonly sizes = new Map<string, number>();
  private totalBytes = 0;

  constructor(
    private readonly limits: RetainedLimits,
    private readonly counters: SecurityCounters,
  ) {}

  /** Retained topics stored through this node. */
  get count(): number {
    return this.sizes.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  install(broker: Aedes): void {
    const p = (broker as unknown as { persistence: RetainedPersistence }).persistence;
    const store = p.storeRetained.bind(p);
    p.storeRetained = (packet) => {
      const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
      const refusal = size === 0 ? null : this.refusal(packet.topic, size);
      if (refusal !== null) {
        this.counters.limit(refusal);
        return Promise.resolve();
      }
      return store(packet).then(() => this.record(packet.topic, size));
    };
  }

  /** The bound a new retained message of `size` bytes on `topic` would break, or null. */
  private refusal(topic: string, size: number): string | null {
    const { maxMessages, maxBytes, maxPayloadBytes } = this.limits;
    if (maxPayloadBytes > 0 && size > maxPayloadBytes) return 'retained_payload';
    const previous = this.sizes.get(topic);
    if (previous === undefined && maxMessages > 0 && this.sizes.size >= maxMessages) return 'retained_messages';
    if (maxBytes > 0 && this.totalBytes - (previous ?? 0) + size > maxBytes) return 'retained_bytes';
    return null;
  }

  private record(topic: string, size: number): void {
    this.totalBytes -= this.sizes.get(topic) ?? 0;
    if (size === 0) {
      this.sizes.delete(topic);
    } else {
      this.sizes.set(topic, size);
      this.totalBytes += size;
    }
  }
}
