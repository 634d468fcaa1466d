import type { Action, ActionEnv, RowDone } from '../sinks/contract.js';
import type { AckHold } from './ack-hold.js';
import type { CompiledRule } from './compile.js';
import type { EvalContext } from './context.js';
import { RuleEvalError } from './errors.js';
import { RateLimitedLog, type Logger } from '../common/logger.js';

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

export interface RuntimeRuleSpec {
  name: string;
  enabled: boolean;
  description: string;
  compiled: CompiledRule;
  actions: Action[];
}

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
  /** Evaluation failures can repeat once per message: logged at most once per 10 s per rule, with a count. */
  private readonly log: RateLimitedLog;

  constructor(spec: RuntimeRuleSpec, logger: Logger) {
    this.log = new RateLimitedLog(logger);
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

  /**
   * Evaluates the rule on one event and hands each output row to each action; returns the number
   * of rows produced. With `hold` (ack_mode = 'sink', called from authorizePublish) rows for
   * sink-mode actions register with the hold and settle it when written; rows for the other
   * actions go as without it. Never throws, never awaits.
   */
  run(ctx: EvalContext, hold: AckHold | null = null): number {
    const out = this.evaluateCounted(ctx);
    if (out === null) return 0;
    // Held: one callback per message and rule (not per row) that counts, then settles the hold.
    const heldDone: RowDone =
      hold === null
        ? this.actionDone
        : (error) => {
            this.actionDone(error);
            hold.settle(error);
          };
    if (Array.isArray(out)) {
      for (let i = 0; i < out.length; i++) this.dispatch(out[i], hold, heldDone);
      return out.length;
    }
    this.dispatch(out, hold, heldDone);
    return 1;
  }

  private dispatch(row: Record<string, unknown>, hold: AckHold | null, heldDone: RowDone): void {
    const actions = this.actions;
    for (let i = 0; i < actions.length; i++) {
      this.stats.actionsTotal++;
      const held = hold !== null && this.sinkMode[i];
      const done = held ? heldDone : this.actionDone;
      if (held) hold.add();
      try {
        actions[i].send(row, held ? this.heldEnv : this.env, done);
      } catch (err) {
        // Actions must not throw; if one does, count it as a failed action, never as a broker error.
        done(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private logFailure(err: unknown): void {
    const clause = err instanceof RuleEvalError ? err.clause : undefined;
    this.log.log('warn', 'eval', { rule: this.name, clause, err: err instanceof Error ? err.message : String(err) }, 'rule evaluation failed');
  }
}
