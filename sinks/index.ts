import { SinkRegistry } from './registry.js';

/** Every sink type rulemq ships, by TYPE name in rules.sql. */
export function createSinkRegistry(): SinkRegistry {
  const registry = new SinkRegistry();
  return registry;
}
