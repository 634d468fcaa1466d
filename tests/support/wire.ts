/**
 * The one place tests and benchmarks build MQTT bytes. Well-formed packets come from mqtt-packet's
 * `generate()` (MQTT 3.1.1 unless a version is given), so they are what a real client sends. Bytes a
 * real client would never send (bad flags, ill-formed UTF-8, lengths that lie) are built by hand
 * under `malformed`, and only there. Also here: a fixed-header splitter for readers that must stay
 * cheap (load generators, the delivery device) and pre-encoded PUBLISH templates for benchmarks.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

export type Bytes = Buffer | string;
export type ProtocolVersion = 3 | 4 | 5;

/** Encodes one packet with mqtt-packet; throws when mqtt-packet refuses it. */
export function encode(packet: Record<string, unknown>, protocolVersion: ProtocolVersion = 4): Buffer {
  return mqttPacket.generate(packet as unknown as Packet, { protocolVersion });
}

export interface ConnectOptions {
  clean?: boolean;
  /** Seconds (default 60). */
  keepalive?: number;
  will?: { topic: string; payload?: Bytes; qos?: 0 | 1 | 2; retain?: boolean };
  username?: Bytes;
  password?: Bytes;
  /** Protocol name and level: MQTT 4 unless given. */
  protocol?: { name: string; level: 3 | 4 };
}

/** A CONNECT (clean session and keepalive 60 unless given). The client id may hold any bytes. */
export function connect(clientId: Bytes, o: ConnectOptions = {}): Buffer {
  const p = o.protocol ?? { name: 'MQTT', level: 4 };
  return encode(
    {
      cmd: 'connect',
      protocolId: p.name,
      protocolVersion: p.level,
      clientId,
      clean: o.clean ?? true,
      keepalive: o.keepalive ?? 60,
      ...(o.will ? { will: { topic: o.will.topic, payload: o.will.payload ?? '', qos: o.will.qos ?? 0, retain: o.will.retain ?? false } } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    },
    p.level,
  );
}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  /** Packet id at QoS 1 and 2 (default 1). */
  id?: number;
  dup?: boolean;
  retain?: boolean;
  /** Default 'payload'. */
  payload?: Bytes;
}

/** A PUBLISH. The topic may be a Buffer holding any bytes (mqtt-packet writes it as given). */
export function publish(topic: Bytes, o: PublishOptions = {}): Buffer {
  const qos = o.qos ?? 0;
  return encode({
    cmd: 'publish',
    topic,
    qos,
    dup: o.dup ?? false,
    retain: o.retain ?? false,
    payload: o.payload ?? 'payload',
    ...(qos > 0 ? { messageId: o.id ?? 1 } : {}),
  });
}

export function subscribe(id: number, ...subs: Array<[string, 0 | 1 | 2]>): Buffer {
  return encode({ cmd: 'subscribe', messageId: id, subscriptions: subs.map(([topic, qos]) => ({ topic, qos })) });
}

export function unsubscribe(id: number, ...filters: string[]): Buffer {
  return encode({ cmd: 'unsubscribe', messageId: id, unsubscriptions: filters });
}

export type AckCmd = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

/** PUBACK, PUBREC, PUBREL (flags 0x2) or PUBCOMP for a packet id. */
export function ack(cmd: AckCmd, id: number): Buffer {
  return encode({ cmd, messageId: id });
}

/** An MQTT 3.1.1 CONNACK with the given return code. */
export function connack(returnCode: number, sessionPresent = false): Buffer {
  return encode({ cmd: 'connack', returnCode, sessionPresent });
}

export const CONNACK_OK = connack(0);
export const PINGREQ = encode({ cmd: 'pingreq' });
export const PINGRESP = encode({ cmd: 'pingresp' });
export const DISCONNECT = encode({ cmd: 'disconnect' });

/** Control packet types (the high nibble of the first byte). */
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const SUBACK = 9;

/** A topic of `n` levels ('a/a/.../a'). */
export function levels(n: number): string {
  return Array.from({ length: n }, () => 'a').join('/');
}

/**
 * A PUBLISH encoded once, with fields the sender overwrites in place per message: the packet id
 * (QoS 1) and fixed-width parts of the payload. Encoding once keeps a load generator far cheaper
 * than the broker it drives, so it never sets the pace.
 */
export interface PublishTemplate {
  readonly bytes: Buffer;
  /** Offset of the 2-byte packet id, or -1 at QoS 0. */
  readonly packetIdAt: number;
  /** Offset of the payload inside the packet. */
  readonly payloadAt: number;
}

export function publishTemplate(topic: string, qos: 0 | 1, payload: Buffer): PublishTemplate {
  const bytes = publish(topic, { qos, id: 0, payload });
  // mqtt-packet ends a 3.1.1 PUBLISH with [packet id (QoS > 0)] then the payload.
  const payloadAt = bytes.length - payload.length;
  return { bytes, packetIdAt: qos > 0 ? payloadAt - 2 : -1, payloadAt };
}

/**
 * Splits a byte stream into MQTT packets by their fixed headers only (no body parsing, so it stays
 * cheap). Calls `onPacket(type, flags, buf, start, end)` where buf[start..end) is the body; buf may
 * be a chunk shared with other packets.
 */
export class PacketReader {
  private rest: Buffer | null = null;

  constructor(private readonly onPacket: (type: number, flags: number, buf: Buffer, start: number, end: number) => void) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let pos = 0;
    const n = buf.length;
    while (pos < n) {
      if (n - pos < 2) break;
      const first = buf[pos];
      let len = 0;
      let mul = 1;
      let i = pos + 1;
      let complete = false;
      for (; i < n && i < pos + 5; i++) {
        const b = buf[i];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || i + len > n) break;
      this.onPacket(first >> 4, first & 0x0f, buf, i, i + len);
      pos = i + len;
    }
    if (pos < n) this.rest = buf.subarray(pos);
  }
}

function bytes(x: Bytes): Buffer {
  return typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
}

/** The Variable Byte Integer encoding of a Remaining Length (§2.2.3); any value, even past the limit. */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A length-prefixed MQTT string (or binary) field of any bytes. */
function field(x: Bytes): Buffer {
  const b = bytes(x);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** A packet: first byte, then the Remaining Length of the body, then the body. */
function packet(byte0: number, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([byte0]), remainingLength(b.length), b]);
}

/**
 * Hand-made bytes for hostile-input tests: nothing here validates, that is the point. Use the
 * well-formed builders above unless a test needs what mqtt-packet refuses to write.
 */
export const malformed = {
  remainingLength,
  field,
  packet,
  /** The same packet with its fixed-header flags (low nibble of byte 0) replaced. */
  withFlags(p: Buffer, flags: number): Buffer {
    return Buffer.concat([Buffer.from([(p[0] & 0xf0) | flags]), p.subarray(1)]);
  },
  /** A PUBLISH header declaring `length` body bytes, followed by only `body`. */
  publishHeader(length: number, body: Buffer = Buffer.alloc(0)): Buffer {
    return Buffer.concat([Buffer.from([0x30]), remainingLength(length), body]);
  },
  /**
   * A 3.1.1 CONNECT (keepalive 60) that mqtt-packet refuses to write: an empty client id without
   * clean session, or a Will Topic that is empty or holds any bytes (the Will Message is empty).
   */
  connect(clientId: Bytes, o: { clean?: boolean; willTopic?: Bytes } = {}): Buffer {
    const flags = (o.clean === false ? 0 : 0x02) | (o.willTopic !== undefined ? 0x04 : 0);
    const will = o.willTopic !== undefined ? [field(o.willTopic), field('')] : [];
    return packet(0x10, field('MQTT'), Buffer.from([4, flags]), Buffer.from([0, 60]), field(clientId), ...will);
  },
  /** A SUBSCRIBE whose filter holds any bytes and whose options byte is any value (mqtt-packet writes neither). */
  subscribe(id: number, filter: Bytes, qos: number): Buffer {
    return packet(0x82, Buffer.from([id >> 8, id & 0xff]), field(filter), Buffer.from([qos]));
  },
  /** An UNSUBSCRIBE whose filter holds any bytes. */
  unsubscribe(id: number, filter: Bytes): Buffer {
    return packet(0xa2, Buffer.from([id >> 8, id & 0xff]), field(filter));
  },
};
