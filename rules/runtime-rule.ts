import type { Action, ActionEnv, RowDone } from '../sinks/contract.js';
import type { AckHold } from './ack-hold.js';
import type { CompiledRule } from './compile.js';
import type { EvalContext } from './context.js';
import { RuleEvalError } from './errors.js';

/** Per-rule counters with EMQX's names (matched, passed, failed, failed.exception, failed.no_result, actions.*). */
export class RuleStats {
  matched = 0;
  passed = 0;
  failedException = 0;
  failedNoResult = 0;
  actionsTotal = 0;
  actionsSuccess = 0;
  actionsFailed = 0;

  get failed(): number {
    return this.failedException + this.failedNoResult;
  }

  /** EMQX's JSON shape (GET /api/v5/rules/{id}/metrics). */
  toJSON(): Record<string, number> {
    return {
      matched: this.matched,
      passed: this.passed,
      failed: this.failed,
      'failed.exception': this.failedException,
      'failed.no_result': this.failedNoResult,
      'actions.total': this.actionsTotal,
      'actions.success': this.actionsSuccess,
      'actions.failed': this.actionsFailed,
    };
  }
}

export interface RuleErrorLogger {
  warn(obj: object, msg: string): void;
}

export interface RuntimeRuleSpec {
  name: string;
  enabled: boolean;
  description: string;
  compiled: CompiledRule;
  actions: Action[];
}

const LOG_INTERVAL_MS = 10_000;

/**
 * One loaded rule: its compiled evaluator, its actions and its counters. `run` is the hot path:
 * evaluate, count, hand each output to each action. It never throws and never awaits.
 */
export class RuntimeRule {
  readonly name: string;
  readonly description: string;
  readonly compiled: CompiledRule;
  readonly actions: readonly Action[];
  enabled: boolean;
  stats = new RuleStats();
  /** Some action of this rule has ack_mode = 'sink': QoS 1/2 messages it matches are acknowledged once written. */
  readonly holdsAcks: boolean;
  private readonly env: ActionEnv;
  /** The env of rows a PUBACK waits on (sink-mode actions flush them at once). */
  private readonly heldEnv: ActionEnv;
  private readonly sinkMode: readonly boolean[];
  /** One pre-bound callback for all actions: counts actions.success / actions.failed without a closure per row. */
  readonly actionDone: RowDone;
  private lastLogAt = 0;
  private suppressed = 0;

  constructor(
    spec: RuntimeRuleSpec,
    private readonly logger: RuleErrorLogger,
  ) {
    this.name = spec.name;
    this.description = spec.description;
    this.compiled = spec.compiled;
    this.actions = spec.actions;
    this.enabled = spec.enabled;
    this.env = Object.freeze({ ruleName: spec.name });
    this.heldEnv = Object.freeze({ ruleName: spec.name, ackHeld: true });
    this.sinkMode = spec.actions.map((a) => a.ackMode === 'sink');
    this.holdsAcks = this.sinkMode.includes(true);
    this.actionDone = (error) => {
      if (error) this.stats.actionsFailed++;
      else this.stats.actionsSuccess++;
    };
  }

  /** Evaluates and counts matched/passed/failed.*; null when there is nothing to dispatch. Never throws. */
  private evaluateCounted(ctx: EvalContext): Record<string, unknown> | Record<string, unknown>[] | null {
    const stats = this.stats;
    stats.matched++;
    let out: Record<string, unknown> | Record<string, unknown>[] | null;
    try {
      out = this.compiled.evaluate(ctx);
    } catch (err) {
      stats.failedException++;
      this.logFailure(err);
      return null;
    }
    if (out === null) {
      stats.failedNoResult++;
      return null;
    }
    stats.passed++;
    return out;
  }

  /** Evaluates the rule on one event and dispatches its output(s). Returns the number of rows produced. */
  run(ctx: EvalContext): number {
    const out = this.evaluateCounted(ctx);
    if (out === null) return 0;
    if (Array.isArray(out)) {
      for (let i = 0; i < out.length; i++) this.dispatch(out[i]);
      return out.length;
    }
    this.dispatch(out);
    return 1;
  }

  /**
   * `run` for a message whose acknowledgement waits (ack_mode = 'sink', called from
   * authorizePublish): rows for sink-mode actions register with `hold` and settle it; rows for
   * the other actions go as in `run`.
   */
  runHeld(ctx: EvalContext, hold: AckHold): number {
    const out = this.evaluateCounted(ctx);
    if (out === null) return 0;
    // One callback per message and rule (not per row): counts the rule's metrics, then settles the hold.
    const done: RowDone = (error) => {
      this.actionDone(error);
      hold.settle(error);
    };
    if (Array.isArray(out)) {
      for (let i = 0; i < out.length; i++) this.dispatchHeld(out[i], hold, done);
      return out.length;
    }
    this.dispatchHeld(out, hold, done);
    return 1;
  }

  private dispatchHeld(row: Record<string, unknown>, hold: AckHold, heldDone: RowDone): void {
    const actions = this.actions;
    for (let i = 0; i < actions.length; i++) {
      this.stats.actionsTotal++;
      const sink = this.sinkMode[i];
      const d = sink ? heldDone : this.actionDone;
      if (sink) hold.add();
      try {
        actions[i].send(row, sink ? this.heldEnv : this.env, d);
      } catch (err) {
        d(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** Like `run`, but hands every row to `onRow` with a done callback per action (sync mode, ack_mode sink). */
  dispatch(row: Record<string, unknown>, done?: RowDone): void {
    const actions = this.actions;
    for (let i = 0; i < actions.length; i++) {
      this.stats.actionsTotal++;
      const d = done === undefined ? this.actionDone : this.wrapDone(done);
      try {
        actions[i].send(row, this.env, d);
      } catch (err) {
        // Actions must not throw; if one does, count it as a failed action, never as a broker error.
        d(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private wrapDone(done: RowDone): RowDone {
    return (error) => {
      this.actionDone(error);
      done(error);
    };
  }

  private logFailure(err: unknown): void {
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) {
      this.suppressed++;
      return;
    }
    const clause = err instanceof RuleEvalError ? err.clause : undefined;
    this.logger.warn(
      { rule: this.name, clause, err: err instanceof Error ? err.message : String(err), suppressed: this.suppressed },
      'rule evaluation failed',
    );
    this.lastLogAt = now;
    this.suppressed = 0;
  }
}
