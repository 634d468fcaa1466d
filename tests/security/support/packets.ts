/** Hand-made MQTT 3.1.1 packets for hostile-input tests (nothing here validates: that is the point). */

export type Bytes = Buffer | string;

function bytes(x: Bytes): Buffer {
  return typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
}

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A length-prefixed MQTT string (or binary) field. */
export function field(x: Bytes): Buffer {
  const b = bytes(x);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

export function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

/** A packet: first byte, then the Remaining Length of the body, then the body. */
export function packet(byte0: number, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([byte0]), remainingLength(b.length), b]);
}

export interface ConnectOptions {
  clean?: boolean;
  keepalive?: number;
  will?: { topic: Bytes; payload?: Bytes; qos?: number; retain?: boolean };
  username?: Bytes;
  password?: Bytes;
  /** Protocol name and level: MQTT 4 unless given. */
  protocol?: { name: Bytes; level: number };
}

export function connect(clientId: Bytes, o: ConnectOptions = {}): Buffer {
  let flags = o.clean === false ? 0 : 0x02;
  const payload = [field(clientId)];
  if (o.will) {
    flags |= 0x04 | ((o.will.qos ?? 0) << 3) | (o.will.retain ? 0x20 : 0);
    payload.push(field(o.will.topic), field(o.will.payload ?? ''));
  }
  if (o.username !== undefined) {
    flags |= 0x80;
    payload.push(field(o.username));
  }
  if (o.password !== undefined) {
    flags |= 0x40;
    payload.push(field(o.password));
  }
  const p = o.protocol ?? { name: 'MQTT', level: 4 };
  return packet(0x10, field(p.name), Buffer.from([p.level, flags]), u16(o.keepalive ?? 60), ...payload);
}

export function publish(topic: Bytes, o: { qos?: number; id?: number; dup?: boolean; retain?: boolean; payload?: Bytes } = {}): Buffer {
  const qos = o.qos ?? 0;
  const byte0 = 0x30 | (o.dup ? 0x08 : 0) | (qos << 1) | (o.retain ? 0x01 : 0);
  const id = qos > 0 ? u16(o.id ?? 1) : Buffer.alloc(0);
  return packet(byte0, field(topic), id, bytes(o.payload ?? 'payload'));
}

export function subscribe(id: number, ...subs: Array<[Bytes, number]>): Buffer {
  return packet(0x82, u16(id), ...subs.map(([f, q]) => Buffer.concat([field(f), Buffer.from([q])])));
}

export function unsubscribe(id: number, ...filters: Bytes[]): Buffer {
  return packet(0xa2, u16(id), ...filters.map(field));
}

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const PINGRESP = Buffer.from([0xd0, 0x00]);
export const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

export function connack(code: number): Buffer {
  return Buffer.from([0x20, 0x02, 0x00, code]);
}

export function ack(byte0: number, id: number): Buffer {
  return Buffer.from([byte0, 0x02, id >> 8, id & 0xff]);
}

/** A topic of `n` levels ('a/a/.../a'). */
export function levels(n: number): string {
  return Array.from({ length: n }, () => 'a').join('/');
}
