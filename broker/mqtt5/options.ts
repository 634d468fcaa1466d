import type { AedesOptions } from 'aedes';
import type { RulemqConfig } from '../config/schema.js';

/**
 * The MQTT 5 limits Aedes enforces and advertises in CONNACK, from the configuration. One setting
 * serves both protocol versions where MQTT 3.1.1 has the same limit: `maxPacketBytes` (the packet
 * guard enforces it first, on every version) is the Maximum Packet Size, and `maxInflightInbound`
 * (broker/limits/incoming-qos2.ts enforces it) the Receive Maximum.
 */
export function mqtt5AedesOptions(config: RulemqConfig): AedesOptions {
  return {
    maximumPacketSize: config.maxPacketBytes, // [MQTT-3.2.2-15] advertised; larger packets get 0x95
    receiveMaximum: config.maxInflightInbound, // 0 = not advertised (65535 per [MQTT-3.2.2.3.3])
    topicAliasMaximum: config.topicAliasMaximum, // [MQTT-3.2.2-17] advertised; a larger alias gets 0x94
    sessionExpiryIntervalLimit: config.sessionExpiryMaxSeconds, // [MQTT-3.2.2.3.2] the lowered value is sent back
    pendingSessionsLimit: config.maxPendingSessions,
  };
}
