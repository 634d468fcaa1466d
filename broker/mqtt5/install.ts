import type { RulemqConfig } from '../config/schema.js';
import type { BrokerHooks } from '../hooks.js';
import { applyServerKeepAlive } from './keepalive.js';

/**
 * The MQTT 5 steps rulemq adds to Aedes' hooks. (The spec gaps Aedes 2.0.0-beta.1 leaves open
 * inside its own code are closed by patches/aedes+2.0.0-beta.1.patch, see README "MQTT 5".)
 */
export function provideMqtt5(hooks: BrokerHooks, config: RulemqConfig): void {
  hooks.provide('preConnect', 'mqtt5.server-keep-alive', (client, packet, callback, next) => {
    applyServerKeepAlive(client, packet, config.maxKeepaliveSeconds, config.serverKeepAliveSeconds);
    next(client, packet, callback);
  });
}
