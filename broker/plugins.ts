import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_RULES_FILE, type RulemqConfig } from './config/schema.js';
import type { Logger } from './logger.js';
import type { BrokerPlugin } from './index.js';
import { BrokerError } from './errors.js';
import { createSinkRegistry } from '../sinks/index.js';
import { RulesPlugin, readPlan, errorsOf, formatAll } from '../rules/plugin.js';

/**
 * The plugins `rulemq start` runs with, built from the configuration. The rules file is checked
 * here, before any listener opens: a bad rules.sql stops start-up, never a running broker.
 */
export async function loadPlugins(config: RulemqConfig, logger: Logger, cwd = process.cwd()): Promise<BrokerPlugin[]> {
  const sinks = createSinkRegistry();
  // Without --rules, ./rules.sql is the rules file whether or not it exists yet: it is watched, so one
  // written after start-up (or restored after a deletion) is loaded, and SIGHUP reads it too.
  const file = config.rules ?? resolve(cwd, DEFAULT_RULES_FILE);
  let initial = null;
  if (existsSync(file)) {
    let loaded: ReturnType<typeof readPlan>;
    try {
      loaded = readPlan(file, sinks, process.env);
    } catch (err) {
      throw new BrokerError('RULES_INVALID', `cannot read rules file ${file}: ${(err as Error).message}`, { cause: err });
    }
    const errors = errorsOf(loaded.plan.diagnostics);
    if (errors.length > 0) {
      throw new BrokerError('RULES_INVALID', `${errors.length} error(s) in ${file}:\n${formatAll(errors, file, loaded.text)}`);
    }
    initial = loaded.plan;
    logger.info({ file, rules: initial.rules.length, actions: initial.actions.length }, 'rules file loaded');
  } else {
    logger.info({ file }, `no rules file: ${file} does not exist; running without rules, it is loaded as soon as it is created`);
  }
  return [new RulesPlugin({ file, sinks, env: process.env, optional: config.rules === null }, initial)];
}
