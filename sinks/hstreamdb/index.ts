/**
 * The HStreamDB sink type for the sink registry (`CREATE CONNECTOR … TYPE hstreamdb`,
 * `CREATE ACTION … TYPE hstreamdb`), and the public API of this folder.
 */
import { join } from 'node:path';
import type { SinkType } from '../registry.js';
import { HSTREAMDB_TYPE, parseActionSettings, parseConnectorSettings, type ActionConfig, type ConnectorConfig } from './config.js';
import { HStreamConnector, createHStreamConnector } from './connector.js';
import { createHStreamAction } from './sink.js';

export { parseActionSettings, parseConnectorSettings, createHStreamConnector, createHStreamAction };
export type { ActionConfig, ConnectorConfig } from './config.js';
export type { ConnectorOptions, HStreamConnector } from './connector.js';
export type { ActionOptions, HStreamAction } from './sink.js';
export type { ConnectionTestResult } from './health.js';
export type { Logger } from '../../common/logger.js';

export const hstreamdbSinkType: SinkType<ConnectorConfig, ActionConfig> = {
  type: HSTREAMDB_TYPE,
  needsConnector: true,
  parseConnector: parseConnectorSettings,
  parseAction: parseActionSettings,
  createConnector(name, config, deps) {
    return createHStreamConnector(config, deps.logger, { name });
  },
  createAction(name, config, connector, deps) {
    if (!(connector instanceof HStreamConnector)) {
      throw new Error(`action '${name}': connector '${config.connector}' is not an hstreamdb connector`);
    }
    connector.useStream(name, config.stream);
    for (const note of config.notes) deps.logger.info({ action: name }, note);
    // Workers of one node each keep their own disk buffer: a directory is used by one process at a time.
    const own = deps.instance && config.bufferDir !== undefined ? { ...config, bufferDir: join(config.bufferDir, deps.instance) } : config;
    return createHStreamAction(name, own, connector, { logger: deps.logger, metrics: deps.metricsFor(name) });
  },
  actionTarget: (config) => config.stream,
};
