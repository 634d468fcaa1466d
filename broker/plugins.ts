import type { RulemqConfig } from './config/schema.js';
import type { Logger } from './logger.js';
import type { BrokerPlugin } from './index.js';
import { BrokerError } from './errors.js';
import { createSinkRegistry } from '../sinks/index.js';
import { RulesPlugin, readPlan, errorsOf, formatAll } from '../rules/plugin.js';

/**
 * The plugins `rulemq start` runs with, built from the configuration. The rules file is checked
 * here, before any listener opens: a bad rules.sql stops start-up, never a running broker.
 */
export async function loadPlugins(config: RulemqConfig, logger: Logger): Promise<BrokerPlugin[]> {
  const sinks = createSinkRegistry();
  let initial = null;
  if (config.rules) {
    let loaded;
    try {
      loaded = readPlan(config.rules, sinks, process.env);
    } catch (err) {
      throw new BrokerError('RULES_INVALID', `cannot read rules file ${config.rules}: ${(err as Error).message}`, { cause: err });
    }
    const errors = errorsOf(loaded.plan.diagnostics);
    if (errors.length > 0) {
      throw new BrokerError('RULES_INVALID', `${errors.length} error(s) in ${config.rules}:\n${formatAll(errors, config.rules, loaded.text)}`);
    }
    initial = loaded.plan;
    logger.info({ file: config.rules, rules: initial.rules.length, actions: initial.actions.length }, 'rules file loaded');
  }
  return [new RulesPlugin({ file: config.rules, sinks, env: process.env }, initial)];
}
