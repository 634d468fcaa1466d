/**
 * A bit sequence whose length is not a multiple of 8 (Erlang bitstring).
 *
 * Byte-aligned results are always plain `Buffer`s; only `subbits(..., 'bits')` and term_decode of a BIT_BINARY_EXT
 * produce this type. The bits are stored most-significant first; the unused low bits of the last byte are zero.
 */
export class BitString {
  constructor(
    readonly bytes: Buffer,
    readonly bitLength: number,
  ) {}

  /** Builds a bitstring (or a Buffer when byte-aligned) from `len` bits of `src` starting at bit `start` (0-based). */
  static slice(src: Buffer, start: number, len: number): Buffer | BitString {
    const out = Buffer.alloc(Math.ceil(len / 8));
    if ((start & 7) === 0) {
      src.copy(out, 0, start >> 3, (start >> 3) + out.length);
    } else {
      for (let i = 0; i < len; i++) {
        const bit = start + i;
        if ((src[bit >> 3] >> (7 - (bit & 7))) & 1) out[i >> 3] |= 0x80 >> (i & 7);
      }
    }
    const rem = len & 7;
    if (rem === 0) return out;
    out[out.length - 1] &= (0xff << (8 - rem)) & 0xff;
    return new BitString(out, len);
  }
}

/** Bits and bit count of a binary-like value; `undefined` when the value is not a binary. */
export function bitsOf(v: unknown): { bytes: Buffer; bitLength: number } | undefined {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return { bytes: b, bitLength: b.length * 8 };
  }
  if (Buffer.isBuffer(v)) return { bytes: v, bitLength: v.length * 8 };
  if (v instanceof BitString) return v;
  return undefined;
}
