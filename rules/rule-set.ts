import type { Action } from '../sinks/contract.js';
import type { ConnectorInstance, SinkDeps, SinkRegistry } from '../sinks/registry.js';
import type { RulesPlan } from './load.js';
import { RuntimeRule } from './runtime-rule.js';
import { TopicIndex } from './topic-index.js';

/**
 * Whether a rule may read a message's `id` column: its SQL has the word `id` or `msgid` (the IoT
 * function reading it), in any case, or a `*` (SELECT * copies every column). A word in a string or a
 * comment counts too: the check may say yes for a rule that never reads the id (it then gets ids built
 * for nothing), never no for one that does.
 */
export function mayReadMessageId(sql: string): boolean {
  return /\b(?:msg)?id\b/i.test(sql) || sql.includes('*');
}

export interface LiveConnector {
  instance: ConnectorInstance;
  fingerprint: string;
}

export interface LiveAction {
  instance: Action;
  fingerprint: string;
}

/**
 * One loaded rules file: rules indexed by topic filter and by event, with their actions and
 * connectors. Immutable once built; a reload builds a new one and swaps it in whole.
 */
export class RuleSet {
  readonly publishIndex = new TopicIndex<RuntimeRule>();
  /** event type (client_connected...) → the rules that select from it (disabled ones are skipped when run). */
  readonly eventRules = new Map<string, RuntimeRule[]>();
  readonly rules: RuntimeRule[] = [];
  /** Some publish rule writes to an action with ack_mode = 'sink' (QoS 1/2 messages it matches are held until written). */
  holdsAcks = false;
  /** Some publish rule may read the message id (see mayReadMessageId); without one the engine builds no ids. */
  publishReadsId = false;

  constructor(
    rules: RuntimeRule[],
    readonly connectors: Map<string, LiveConnector>,
    readonly actions: Map<string, LiveAction>,
  ) {
    for (const rule of rules) this.add(rule);
  }

  private add(rule: RuntimeRule): void {
    this.rules.push(rule);
    const compiled = rule.compiled;
    for (let i = 0; i < compiled.from.length; i++) {
      const from = compiled.from[i];
      if (from.startsWith('$events/')) continue;
      this.publishIndex.add(from, rule);
      if (rule.holdsAcks) this.holdsAcks = true;
      if (mayReadMessageId(compiled.sql)) this.publishReadsId = true;
    }
    for (const type of compiled.eventTypes) {
      if (type === 'message_publish') continue;
      let list = this.eventRules.get(type);
      if (!list) this.eventRules.set(type, (list = []));
      list.push(rule);
    }
  }

  rule(name: string): RuntimeRule | undefined {
    return this.rules.find((r) => r.name === name);
  }

  static empty(): RuleSet {
    return new RuleSet([], new Map(), new Map());
  }
}

export interface BuildDeps extends SinkDeps {
  /** Where console and republish targets come from. */
  sinks: SinkRegistry;
}

/**
 * Instantiates a plan. Connectors and actions whose settings did not change since `previous` are
 * kept (with their queues and connections); rule counters carry over for rules whose SQL did not change.
 * Returns the new set and what the caller must start (new) and close (replaced) after the swap.
 */
export function buildRuleSet(
  plan: RulesPlan,
  previous: RuleSet,
  deps: BuildDeps,
): { set: RuleSet; started: Action[]; retired: { actions: Action[]; connectors: ConnectorInstance[] } } {
  const connectors = new Map<string, LiveConnector>();
  for (const c of plan.connectors) {
    const old = previous.connectors.get(c.name);
    if (old && old.fingerprint === c.fingerprint) connectors.set(c.name, old);
    else connectors.set(c.name, { instance: c.type.createConnector(c.name, c.config, deps), fingerprint: c.fingerprint });
  }
  const actions = new Map<string, LiveAction>();
  const started: Action[] = [];
  for (const a of plan.actions) {
    const old = previous.actions.get(a.name);
    if (old && old.fingerprint === a.fingerprint && (a.connector === null || connectors.get(a.connector) === previous.connectors.get(a.connector))) {
      actions.set(a.name, old);
      continue;
    }
    const connector = a.connector === null ? null : (connectors.get(a.connector)?.instance ?? null);
    const instance = a.type.createAction(a.name, a.config, connector, deps);
    actions.set(a.name, { instance, fingerprint: a.fingerprint });
    started.push(instance);
  }

  const rules = plan.rules.map((r) => {
    const ruleActions: Action[] = r.targets.map((t) => {
      switch (t.kind) {
        case 'action': {
          const live = actions.get(t.name);
          if (!live) throw new Error(`action '${t.name}' of rule '${r.name}' was not built`);
          return live.instance;
        }
        case 'console':
          return deps.sinks.target('console').createAction(`${r.name}:console`, null, null, deps);
        case 'republish':
          return deps.sinks.target('republish').createAction(`${r.name}:republish`, t.config, null, deps);
        default: {
          const never: never = t;
          return never;
        }
      }
    });
    const rule = new RuntimeRule({ name: r.name, enabled: r.enabled, description: r.description, compiled: r.compiled, actions: ruleActions }, deps.logger);
    const old = previous.rule(r.name);
    if (old && old.compiled.sql === r.compiled.sql) rule.stats = old.stats;
    return rule;
  });

  const set = new RuleSet(rules, connectors, actions);
  const retiredActions = [...previous.actions.entries()].filter(([name, live]) => actions.get(name) !== live).map(([, live]) => live.instance);
  const retiredConnectors = [...previous.connectors.entries()].filter(([name, live]) => connectors.get(name) !== live).map(([, live]) => live.instance);
  return { set, started, retired: { actions: retiredActions, connectors: retiredConnectors } };
}
