/**
 * Erlang term equality (`=:=` / lists:member) on our values. Strings and Buffers are both binaries, so they compare
 * by bytes. JS numbers cannot separate 1 from 1.0, so `contains(1, [1.0])` is true here (false in EMQX).
 */
import { BitString } from './bitstring.js';

function binaryEquals(a: string | Buffer, b: string | Buffer): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const ab = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const bb = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return ab.equals(bb);
}

export function termEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if ((typeof a === 'string' && Buffer.isBuffer(b)) || (Buffer.isBuffer(a) && typeof b === 'string')) {
      return binaryEquals(a, b);
    }
    return false;
  }
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  }
  if (a instanceof BitString || b instanceof BitString) {
    return a instanceof BitString && b instanceof BitString && a.bitLength === b.bitLength && a.bytes.equals(b.bytes);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!termEquals(a[i], b[i])) return false;
    return true;
  }
  const ak = Object.keys(a);
  const bm = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bm).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(bm, k)) return false;
    if (!termEquals((a as Record<string, unknown>)[k], bm[k])) return false;
  }
  return true;
}
