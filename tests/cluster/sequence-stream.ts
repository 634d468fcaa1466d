import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects with automatic reconnects (as devices do) and resolves on the first CONNACK. */
export async function deviceClient(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 200, connectTimeout: 2000, ...opts });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/**
 * Publishes the sequence 0, 1, 2... (payload = the number) at QoS 1 through an MQTT.js client, one
 * number per tick, and records which numbers were acknowledged (the PUBACK reached the client) and
 * how often each went out on the wire (MQTT.js resends its unacknowledged ones after a reconnect).
 */
export class SeqPublisher {
  /** Numbers whose PUBACK the client received. */
  readonly acked = new Set<number>();
  /** PUBLISH packets of the stream sent again (by MQTT.js after a reconnect, or by `send` below). */
  resent = 0;
  /** Publishes MQTT.js failed with an error ("Connection closed" during its replay) and the application sent again. */
  appRetries = 0;
  private next = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly wireSends = new Map<number, number>();

  constructor(
    readonly client: MqttClient,
    private readonly topicOf: (seq: number) => string,
  ) {
    client.on('packetsend', (p) => {
      if (p.cmd !== 'publish' || p.qos === 0) return;
      const seq = Number(p.payload.toString());
      if (p.topic !== this.topicOf(seq)) return;
      const n = (this.wireSends.get(seq) ?? 0) + 1;
      this.wireSends.set(seq, n);
      if (n > 1) this.resent++;
    });
  }

  /** How many numbers were published so far (0 … total - 1). */
  get total(): number {
    return this.next;
  }

  /** Publishes the next `perTick` numbers every `intervalMs` until stop(). */
  start(intervalMs: number, perTick = 1): void {
    this.ticker = setInterval(() => {
      for (let i = 0; i < perTick; i++) this.send(this.next++);
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.ticker);
  }

  private send(seq: number): void {
    this.client.publish(this.topicOf(seq), String(seq), { qos: 1 }, (err) => {
      if (!err) this.acked.add(seq);
      else {
        // MQTT.js fails a publish made while it replays its store after a reconnect if that
        // connection closes too ("Connection closed"); an application resends it, as this one does.
        this.appRetries++;
        setTimeout(() => this.send(seq), 100);
      }
    });
  }
}

/** Appends every sequence number `client` receives on topics starting with `prefix` to `into`. */
export function collectSequence(client: MqttClient, prefix: string, into: number[] = []): number[] {
  client.on('message', (topic, payload) => {
    if (topic.startsWith(prefix)) into.push(Number(payload.toString()));
  });
  return into;
}

export interface SequenceCount {
  /** Acknowledged numbers that never arrived: what QoS 1 must never do. */
  lost: number[];
  /** Numbers of 0 … total - 1 that never arrived, acknowledged or not. */
  missing: number[];
  /** Arrivals beyond the first of a number (QoS 1 allows them). */
  duplicates: number;
}

export function countSequence(total: number, acked: ReadonlySet<number>, received: readonly number[]): SequenceCount {
  const unique = new Set(received);
  const missing: number[] = [];
  for (let i = 0; i < total; i++) if (!unique.has(i)) missing.push(i);
  return { lost: missing.filter((s) => acked.has(s)), missing, duplicates: received.length - unique.size };
}
