/**
 * A latency histogram with log-spaced buckets (~1.1 % wide) from 1 µs to ~100 s: constant memory,
 * O(1) record, percentiles good to about 1 %. Values are recorded in microseconds.
 */
const PER_OCTAVE = 64;
const BUCKETS = PER_OCTAVE * 27; // 2^27 µs ≈ 134 s

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;
  private sum = 0;

  recordMicros(us: number): void {
    if (!(us >= 0)) us = 0;
    let i = Math.floor(Math.log2(us + 1) * PER_OCTAVE);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }

  /** The value (µs) under which `p` percent of the recorded values fall; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const want = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= want) return Math.min(this.max, 2 ** ((i + 1) / PER_OCTAVE) - 1);
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** p50/p99/max in milliseconds, rounded to 0.01 ms; null when nothing was recorded. */
  summaryMs(): LatencySummary | null {
    if (this.count === 0) return null;
    const ms = (us: number) => Math.round(us / 10) / 100;
    return { p50: ms(this.percentile(50)), p99: ms(this.percentile(99)), max: ms(this.max), n: this.count };
  }
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

/** Percentiles of an array of numbers (sorted copy); NaN when empty. */
export function percentileOf(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
