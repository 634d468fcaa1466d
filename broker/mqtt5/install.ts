import type { Aedes } from 'aedes';
import type { RulemqConfig } from '../config/schema.js';
import { applyServerKeepAlive } from './keepalive.js';

/**
 * The MQTT 5 steps rulemq adds to Aedes' hooks (the spec gaps Aedes 2.0.0-beta.1 leaves open
 * inside its own code are closed by the patches in patches/, see README "MQTT 5").
 */
export function installMqtt5(broker: Aedes, config: RulemqConfig): void {
  const preConnect = broker.preConnect;
  broker.preConnect = function mqtt5PreConnect(client, packet, callback) {
    applyServerKeepAlive(client, packet, config.maxKeepaliveSeconds, config.serverKeepAliveSeconds);
    preConnect.call(this, client, packet, callback);
  };
}
