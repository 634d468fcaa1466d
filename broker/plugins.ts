import type { RulemqConfig } from './config/schema.js';
import type { Logger } from './logger.js';
import type { BrokerPlugin } from './index.js';

/** The plugins `rulemq start` runs with, built from the configuration. */
export async function loadPlugins(_config: RulemqConfig, _logger: Logger): Promise<BrokerPlugin[]> {
  return [];
}
