import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import client from 'prom-client';
import type { BrokerPlugin, PluginContext } from '../broker/index.js';
import type { Logger } from '../common/logger.js';
import type { SinkRegistry } from '../sinks/registry.js';
import { errorsOf, formatAll } from './diagnostics.js';
import { RuleEngine } from './engine.js';
import { setMaxDecompressedBytes } from './functions/compression.js';
import { planRules, type RulesPlan } from './load.js';
import { createSinkHistograms, registerRuleMetrics } from './metrics.js';
import { buildRuleSet, type RuleSet } from './rule-set.js';
import { registerRulesApi } from './api.js';
import { MetricsView } from './metrics-view.js';
import { registerDetailsApi } from './api-details.js';
import { diagnosticErrors, reloadReport, unreadableError, type ReloadReport } from './reload-report.js';

export interface RulesPluginOptions {
  /** The rules file; null runs the engine with no rules (the rule-test API still works). */
  file: string | null;
  sinks: SinkRegistry;
  env?: Record<string, string | undefined>;
  /** Debounce of file-change reloads. */
  reloadDebounceMs?: number;
  /** Watch the file for changes (SIGHUP always reloads). */
  watch?: boolean;
  /** The file may be missing (the default ./rules.sql): it is loaded when it appears. */
  optional?: boolean;
}

/** Reads and plans a rules file; the text is returned for formatting diagnostics. */
export function readPlan(file: string, sinks: SinkRegistry, env?: Record<string, string | undefined>): { plan: RulesPlan; text: string } {
  const text = readFileSync(file, 'utf8');
  return { plan: planRules(text, { fileName: file, env, sinks }), text };
}

/**
 * The rule engine as a broker plugin: loads rules.sql, hooks Aedes, serves /api/v5, exports rule
 * metrics, reloads on SIGHUP and on file change (an invalid file keeps the old rules running).
 */
export class RulesPlugin implements BrokerPlugin {
  readonly name = 'rules';
  private engine!: RuleEngine;
  private ctx!: PluginContext;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private reloading: Promise<{ ok: boolean; errors: string }> | null = null;
  private readonly reloads = { ok: 0, error: 0 };
  private readonly onSighup = () => void this.reload('SIGHUP');
  private metricsFor!: ReturnType<typeof createSinkHistograms>;
  private lastReport: ReloadReport | null = null;

  constructor(
    private readonly options: RulesPluginOptions,
    /** A plan already checked at start-up (so a bad file stops start-up before any listener opens). */
    private initialPlan: RulesPlan | null = null,
  ) {}

  get current(): RuleSet {
    return this.engine.current;
  }

  get ruleEngine(): RuleEngine {
    return this.engine;
  }

  /** The outcome of the last load of the rules file; null before the first one (or with no file). */
  get lastReload(): ReloadReport | null {
    return this.lastReport;
  }

  async attach(ctx: PluginContext): Promise<void> {
    this.ctx = ctx;
    setMaxDecompressedBytes(ctx.config.maxDecompressedBytes);
    this.engine = new RuleEngine(ctx.config.nodeName, ctx.logger);
    this.engine.attach(ctx.broker, ctx.hooks);
    this.metricsFor = createSinkHistograms(ctx.registry);
    registerRuleMetrics(ctx.registry, () => this.engine.current, this.reloads);
    const acks = this.engine.acks;
    new client.Counter({
      name: 'rulemq_rule_acks_total',
      help: "QoS 1/2 messages held for ack_mode = 'sink', by result: written (acknowledged once written), refused (a write failed: connection closed without acknowledgement).",
      labelNames: ['result'],
      registers: [ctx.registry],
      collect() {
        this.reset();
        this.inc({ result: 'written' }, acks.written);
        this.inc({ result: 'refused' }, acks.refused);
      },
    });
    const view = new MetricsView();
    registerRulesApi(ctx.router, { current: () => this.engine.current, nodeName: ctx.config.nodeName, reload: () => this.reloadEverywhere(), view });
    // Another worker of this node reloaded through its API: the file is the same for all.
    ctx.worker?.onSibling('rules-reload', () => void this.reload('worker'));
    registerDetailsApi(ctx.router, {
      current: () => this.engine.current,
      registry: ctx.registry,
      file: this.options.file,
      lastReload: () => this.lastReport,
      view,
    });

    const file = this.options.file;
    if (file) {
      if (this.initialPlan !== null || !this.options.optional || existsSync(file)) {
        const plan = this.initialPlan ?? readPlan(file, this.options.sinks, this.options.env).plan;
        this.initialPlan = null;
        await this.apply(plan);
      }
      this.lastReport = reloadReport('start', true, this.engine.current.rules.length);
      process.on('SIGHUP', this.onSighup);
      if (this.options.watch !== false) this.watchFile(file);
    }
  }

  /** An API reload: this process answers, and every other worker of the node reloads too. */
  private reloadEverywhere(): Promise<{ ok: boolean; errors: string }> {
    this.ctx.worker?.broadcast('rules-reload');
    return this.reload('api');
  }

  /** Re-reads the rules file; swaps the rules in only when it is valid. */
  reload(reason: string): Promise<{ ok: boolean; errors: string }> {
    const file = this.options.file;
    if (!file) return Promise.resolve({ ok: false, errors: 'no rules file configured' });
    // Reloads run one at a time; a request during a reload waits for it and then reloads again.
    const run = async () => {
      const log = this.ctx.logger;
      let text = '';
      let plan: RulesPlan;
      if (!existsSync(file)) {
        // Not an error for the default ./rules.sql: it was removed, or the change seen was an editor's rename.
        if (!this.options.optional) this.reloads.error++;
        const rules = this.engine.current.rules.length;
        log.warn(
          { file, reason, rules },
          `rules file ${file} does not exist; ${rules > 0 ? `the ${rules} loaded rule(s) keep running` : 'running without rules'} until it is created`,
        );
        const missing = new Error(`ENOENT: no such file or directory, open '${file}'`);
        this.lastReport = reloadReport(reason, false, rules, [unreadableError(file, missing)]);
        return { ok: false, errors: `rules file ${file} does not exist` };
      }
      try {
        ({ plan, text } = readPlan(file, this.options.sinks, this.options.env));
      } catch (err) {
        this.reloads.error++;
        this.lastReport = reloadReport(reason, false, this.engine.current.rules.length, [unreadableError(file, err as Error)]);
        log.error({ file, reason, err: (err as Error).message }, 'rules reload failed: cannot read the file; old rules keep running');
        return { ok: false, errors: (err as Error).message };
      }
      const errors = errorsOf(plan.diagnostics);
      if (errors.length > 0) {
        this.reloads.error++;
        const formatted = formatAll(errors, file, text);
        this.lastReport = reloadReport(reason, false, this.engine.current.rules.length, diagnosticErrors(errors, file, text));
        log.error({ file, reason, errors: formatted.split('\n') }, `rules reload failed with ${errors.length} error(s); old rules keep running`);
        return { ok: false, errors: formatted };
      }
      await this.apply(plan);
      this.reloads.ok++;
      this.lastReport = reloadReport(reason, true, plan.rules.length);
      log.info({ file, reason, rules: plan.rules.length }, 'rules reloaded');
      return { ok: true, errors: '' };
    };
    const next = (this.reloading ?? Promise.resolve()).then(run, run);
    this.reloading = next;
    return next;
  }

  private async apply(plan: RulesPlan): Promise<void> {
    const log = this.ctx.logger;
    for (const w of plan.diagnostics.filter((d) => d.severity === 'warning')) {
      log.warn({ code: w.code, line: w.line, column: w.column }, w.message);
    }
    const { set, started, retired } = buildRuleSet(plan, this.engine.current, {
      publisher: this.ctx.broker,
      logger: log,
      sinks: this.options.sinks,
      metricsFor: this.metricsFor,
      instance: this.ctx.worker ? `worker-${this.ctx.worker.slot}` : undefined,
    });
    // A replaced action that holds a resource a new one needs (a disk buffer directory) closes first.
    const claimed = new Set(started.map((a) => a.exclusiveResource).filter((r) => r !== undefined));
    const handOver = retired.actions.filter((a) => a.exclusiveResource !== undefined && claimed.has(a.exclusiveResource));
    await Promise.all(
      handOver.map((a) =>
        a
          .close(Math.min(this.ctx.config.shutdownGraceMs, 2000))
          .catch((err: unknown) => log.warn({ action: a.name, err: String(err) }, 'error closing a replaced action')),
      ),
    );
    await Promise.all(started.map((a) => a.start()));
    this.engine.swap(set);
    // Replaced actions finish what they hold in the background; the new ones already take rows.
    for (const a of retired.actions)
      void a.close(this.ctx.config.shutdownGraceMs).catch((err: unknown) => log.warn({ action: a.name, err: String(err) }, 'error closing a replaced action'));
    for (const c of retired.connectors)
      void c.close().catch((err: unknown) => log.warn({ connector: c.name, err: String(err) }, 'error closing a replaced connector'));
  }

  private watchFile(file: string): void {
    // Watch the directory: editors replace files (rename), which ends a watch on the file itself.
    try {
      this.watcher = watch(dirname(file), (_event, name) => {
        if (name !== null && name !== basename(file)) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload('file change'), this.options.reloadDebounceMs ?? 300);
      });
      this.watcher.on('error', (err) => this.ctx.logger.warn({ err: err.message }, 'rules file watch failed; SIGHUP still reloads'));
    } catch (err) {
      this.ctx.logger.warn({ err: (err as Error).message }, 'cannot watch the rules file; SIGHUP still reloads');
    }
  }

  /** Each action's health in /readyz: a sink that cannot write is shown there, but MQTT goes on, so it does not make the broker unready. */
  readinessDetails(): Record<string, unknown> {
    const actions: Record<string, { state: string; reason: string }> = {};
    for (const [name, live] of this.engine.current.actions) {
      const h = live.instance.health?.();
      if (h !== undefined) actions[name] = { state: h.state, reason: h.reason };
    }
    return { actions };
  }

  async close(graceMs: number): Promise<void> {
    process.off('SIGHUP', this.onSighup);
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
    const set = this.engine.current;
    const actions = new Set([...set.actions.values()].map((l) => l.instance));
    for (const r of set.rules) for (const a of r.actions) actions.add(a);
    await Promise.all([...actions].map((a) => a.close(graceMs).catch(() => undefined)));
    await Promise.all([...set.connectors.values()].map((c) => c.instance.close().catch(() => undefined)));
  }
}

export { errorsOf, formatAll };
export type { Logger };
