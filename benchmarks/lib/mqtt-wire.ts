/**
 * Hand-made MQTT 3.1.1 packets for the load generators. Building bytes from a template and reading
 * only fixed headers keeps the generator far cheaper than a broker, so it never sets the pace.
 */

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBACK = 9;

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

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** CONNECT with clean session and the given keepalive (seconds). */
export function connectPacket(clientId: string, keepalive = 60): Buffer {
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepalive >> 8, keepalive & 0xff]);
  const payload = str(clientId);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(variable.length + payload.length), variable, payload]);
}

export function subscribePacket(topic: string, qos: number, packetId = 1): Buffer {
  const body = Buffer.concat([Buffer.from([packetId >> 8, packetId & 0xff]), str(topic), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

export function pubackPacket(packetId: number): Buffer {
  return Buffer.from([0x40, 0x02, packetId >> 8, packetId & 0xff]);
}

export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/**
 * A PUBLISH packet with fixed-width fields the generator overwrites per message: the packet id
 * (QoS 1) and the digits of the payload fields (see `benchPayload`).
 */
export interface PublishTemplate {
  readonly bytes: Buffer;
  /** Offset of the 2-byte packet id, or -1 at QoS 0. */
  readonly packetIdAt: number;
  /** Offset of the payload inside the packet. */
  readonly payloadAt: number;
}

export function publishTemplate(topic: string, qos: 0 | 1, payload: Buffer): PublishTemplate {
  const t = str(topic);
  const pid = qos > 0 ? Buffer.from([0, 0]) : Buffer.alloc(0);
  const rl = remainingLength(t.length + pid.length + payload.length);
  const head = Buffer.concat([Buffer.from([0x30 | (qos << 1)]), rl, t]);
  return {
    bytes: Buffer.concat([head, pid, payload]),
    packetIdAt: qos > 0 ? head.length : -1,
    payloadAt: head.length + pid.length,
  };
}

/** Writes `value` as exactly `width` decimal digits (zero-padded) at `offset`. */
export function writeDigits(buf: Buffer, offset: number, width: number, value: number): void {
  let v = Math.floor(value);
  for (let i = offset + width - 1; i >= offset; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
}

export function readDigits(buf: Buffer, offset: number, width: number): number {
  let v = 0;
  for (let i = offset; i < offset + width; i++) v = v * 10 + (buf[i] - 48);
  return v;
}

/**
 * The ~100-byte seed-shaped JSON payload: the seed rule reads `temp` and `hum`; `seq`, `ts` (send time,
 * µs of the generator's clock) and `pub` (publisher index) are fixed-width strings so they can be
 * written in place and read back at known offsets (JSON numbers cannot have leading zeros).
 */
export const PAYLOAD_TEXT = '{"temp": "27.5", "hum": "41.8", "seq": "0000000000", "ts": "000000000000", "pub": "000", "ok": true}';
export const PAYLOAD_SEQ_AT = PAYLOAD_TEXT.indexOf('"seq": "') + 8;
export const PAYLOAD_TS_AT = PAYLOAD_TEXT.indexOf('"ts": "') + 7;
export const PAYLOAD_PUB_AT = PAYLOAD_TEXT.indexOf('"pub": "') + 8;
export const SEQ_WIDTH = 10;
export const TS_WIDTH = 12;
export const PUB_WIDTH = 3;

export function benchPayload(): Buffer {
  return Buffer.from(PAYLOAD_TEXT, 'utf8');
}

/**
 * Splits a byte stream into MQTT packets (fixed header + body). Calls `onPacket(type, flags, buf, start, end)`
 * where buf[start..end) is the body; buf may be a chunk shared with other packets.
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
