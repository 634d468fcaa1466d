import { emptyStats, type Action, type ActionEnv, type ActionStats, type ConnectorStatus, type RowDone } from './contract.js';

/**
 * Base of the built-in actions that finish each row right away or after one callback (console,
 * republish): they have no queue, so `queuing` stays 0 and `inflight` counts rows whose callback
 * has not come back yet.
 */
export abstract class ImmediateAction implements Action {
  abstract readonly type: string;
  protected counters: ActionStats = emptyStats();

  constructor(readonly name: string) {}

  async start(): Promise<void> {}

  /** Performs the work for one row and calls `finish` once. Must not throw. */
  protected abstract perform(row: Record<string, unknown>, env: ActionEnv, finish: (error: Error | null) => void): void;

  send(row: Record<string, unknown>, env: ActionEnv, done?: RowDone): void {
    const c = this.counters;
    c.matched++;
    c.inflight++;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      c.inflight--;
      if (error) c.failed++;
      else c.success++;
      done?.(error);
    };
    try {
      this.perform(row, env, finish);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  }

  stats(): ActionStats {
    return { ...this.counters, droppedByReason: { ...this.counters.droppedByReason } };
  }

  status(): ConnectorStatus {
    return 'connected';
  }

  async close(): Promise<void> {}
}
