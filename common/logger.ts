/**
 * The one logger shape every part of rulemq writes to (pino's, which `rulemq start` passes), a
 * silent one for library use and tests, and a per-key rate limiter for failures that can repeat
 * once per message or per connection.
 */

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

const noop = (): void => {};
export const silentLogger: Logger = { info: noop, warn: noop, error: noop, debug: noop };

/**
 * Logs the first occurrence of each key at once, then at most one line per `intervalMs`
 * carrying how many were suppressed — so a dead stream or a poison batch cannot flood the log.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  log(level: 'warn' | 'error', key: string, obj: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger[level](suppressed > 0 ? { ...obj, suppressed } : obj, msg);
  }
}
