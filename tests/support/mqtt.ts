import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects a real MQTT.js client; never reconnects on its own so tests see closes as they happen. */
export async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
}

/** Resolves with the next `count` messages received by `client` (topic, payload as string, packet). */
export function nextMessages(
  client: MqttClient,
  count = 1,
  timeoutMs = 5000,
): Promise<Array<{ topic: string; payload: string; retain: boolean; qos: number }>> {
  return new Promise((resolve, reject) => {
    const got: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`timed out waiting for ${count} message(s); got ${got.length}`));
    }, timeoutMs);
    const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean; qos?: number }) => {
      got.push({ topic, payload: payload.toString(), retain: !!packet.retain, qos: packet.qos ?? 0 });
      if (got.length === count) {
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

export async function endAll(...clients: Array<MqttClient | undefined>): Promise<void> {
  await Promise.all(clients.map((c) => c?.endAsync(true).catch(() => undefined)));
}

export type Received = Array<{ topic: string; payload: string; qos: number; retain: boolean }>;

/** Collects every message `client` receives from now on, in arrival order. */
export function recordMessages(client: MqttClient): Received {
  const got: Received = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  return got;
}

/**
 * Makes `client` keep every QoS 1/2 message unacknowledged: MQTT.js sends the PUBACK only once
 * `handleMessage` calls back, and also reads nothing more after the first such message. Returns the
 * payloads received.
 */
export function withholdAcks(client: MqttClient): string[] {
  const payloads: string[] = [];
  client.handleMessage = (packet, _callback) => {
    payloads.push(String(packet.payload));
  };
  return payloads;
}
