/**
 * Shared helpers for sink settings: unit parsers and a reader that validates a flat key/value map,
 * collects every problem (key, what was expected, what was found) and reports them all at once.
 */
import { SettingsError, type SettingsIssue } from './errors.js';

/** A settings value as the rules.sql loader hands it over. */
export type RawValue = string | number | boolean;
export type RawSettings = Readonly<Record<string, RawValue>>;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i;

/**
 * Parses '500ms', '30s', '1.5s', '1m', '2h', '1d' into whole milliseconds (rounded).
 * A unit is required: a bare number is ambiguous (EMQX also requires one), so it yields undefined.
 */
export function parseDuration(value: RawValue): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DURATION_RE.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

// KB/MB/GB are binary multiples, as in EMQX's byte sizes ('256MB' = 256 × 2^20).
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
const BYTES_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i;

/** Parses '256MB', '1MiB', '512KB', '100B', '1024' or 1024 into a whole number of bytes. */
export function parseBytes(value: RawValue): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = BYTES_RE.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()];
  return Number.isFinite(n) ? Math.floor(n) : undefined;
}

/** Renders a found value for a message: strings quoted, others as written. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * Reads one settings map. Each accessor returns a usable value (the default when the input is
 * bad) and records an issue, so a single pass finds every problem; `finish()` throws them all.
 */
export class SettingsReader {
  readonly issues: SettingsIssue[] = [];
  private readonly raw: RawSettings;
  private readonly type: string;
  private readonly known: readonly string[];

  constructor(raw: RawSettings, type: string, known: readonly string[]) {
    this.raw = raw;
    this.type = type;
    this.known = known;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.raw, key) && this.raw[key] !== undefined;
  }

  issue(key: string, message: string, valueOffset?: number): void {
    this.issues.push(valueOffset === undefined ? { key, message } : { key, message, valueOffset });
  }

  private bad(key: string, expected: string): void {
    this.issue(key, `\`${key}\` must be ${expected} (got ${showValue(this.raw[key])})`);
  }

  string(key: string, fallback: string, opts: { required?: boolean; pattern?: RegExp; expected?: string } = {}): string {
    if (!this.has(key)) {
      if (opts.required) this.issue(key, `\`${key}\` is required`);
      return fallback;
    }
    const v = this.raw[key];
    if (typeof v !== 'string' || (opts.required && v === '')) {
      this.bad(key, opts.expected ?? 'a non-empty string');
      return fallback;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      this.bad(key, opts.expected ?? `a string matching ${opts.pattern}`);
      return fallback;
    }
    return v;
  }

  optionalString(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    const v = this.raw[key];
    if (typeof v !== 'string' || v === '') {
      this.bad(key, 'a non-empty string');
      return undefined;
    }
    return v;
  }

  int(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.bad(key, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    this.bad(key, 'true or false');
    return fallback;
  }

  /** A duration in ms; `fallback` is given as text ('500ms') so defaults read like the docs. */
  duration(key: string, fallback: string, minMs = 1): number {
    const def = parseDuration(fallback)!;
    if (!this.has(key)) return def;
    const ms = parseDuration(this.raw[key]);
    if (ms === undefined || ms < minMs) {
      this.bad(key, `a duration ≥ ${minMs}ms with a unit, like '500ms', '30s' or '1m'`);
      return def;
    }
    return ms;
  }

  bytes(key: string, fallback: string, minBytes = 1): number {
    const def = parseBytes(fallback)!;
    if (!this.has(key)) return def;
    const n = parseBytes(this.raw[key]);
    if (n === undefined || n < minBytes) {
      this.bad(key, `a size ≥ ${minBytes} bytes, like '256MB', '1MiB' or '512KB'`);
      return def;
    }
    return n;
  }

  oneOf<T extends string>(key: string, fallback: T, choices: readonly T[]): T {
    if (!this.has(key)) return fallback;
    const v = this.raw[key];
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.bad(key, `one of ${choices.join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  /** Reports unknown keys and throws every issue found so far. */
  finish(subject: string): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.known.includes(key)) {
        this.issue(key, `unknown setting \`${key}\` for type ${this.type}; expected one of ${this.known.join(', ')}`);
      }
    }
    if (this.issues.length > 0) throw new SettingsError(this.issues, subject);
  }
}
