/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial) of a byte range. Node ≥ 20.15 ships it as
 * `zlib.crc32` (native, fast); older runtimes get a table-driven one with the same results.
 */
import * as zlib from 'node:zlib';

let table: Int32Array | undefined;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** The portable implementation (exported for the test that compares it with zlib's). */
export function crc32Table(data: Uint8Array, value = 0): number {
  const t = (table ??= makeTable());
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type Crc32Fn = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

/** CRC-32 of `data` as an unsigned 32-bit integer (continues from `value` when given). */
export const crc32: (data: Uint8Array, value?: number) => number = typeof native === 'function' ? native : crc32Table;
