import { SinkRegistry } from './registry.js';
import { hstreamdbSinkType } from './hstreamdb/index.js';
import { consoleSinkType } from './console.js';
import { republishSinkType } from './republish.js';

/** Every sink type rulemq ships, by TYPE name in rules.sql. */
export function createSinkRegistry(): SinkRegistry {
  const registry = new SinkRegistry();
  registry.register(hstreamdbSinkType).register(consoleSinkType).register(republishSinkType);
  return registry;
}
