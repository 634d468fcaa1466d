/**
 * The load generators' payload: a template whose fixed-width fields are overwritten in place per
 * message and read back at known offsets by the subscriber. The MQTT packets around it come from
 * tests/support/wire.ts (encoded once, see `publishTemplate`).
 */

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
