/**
 * MQTT string checks on raw bytes, before mqtt-packet decodes them: `Buffer.toString('utf8')`
 * silently turns ill-formed sequences into U+FFFD, so after parsing the damage can no longer be
 * seen. Works on (buf, start, end) so the packet guard can check strings in place, without a copy.
 */

/** What is wrong with a string; 0 = nothing. */
export const enum StringFault {
  None = 0,
  /** Ill-formed UTF-8: bad lead or continuation byte, truncated, overlong, surrogate, > U+10FFFF [MQTT-1.5.3-1]. */
  IllFormed = 1,
  /** U+0000 [MQTT-1.5.3-2]. */
  Null = 2,
  /** U+0001..U+001F or U+007F..U+009F: "SHOULD NOT", the receiver MAY close (§1.5.3); mosquitto closes. */
  Control = 3,
  /** A Unicode non-character (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF): same rule as control characters (§1.5.3). */
  NonCharacter = 4,
}

/**
 * Decodes the multi-byte sequence whose lead byte is at `i` (lead ≥ 0x80). Returns the code point
 * and leaves its length in `decoded.length`, or returns -1 for an ill-formed sequence.
 */
export const decoded = { length: 0 };

export function decodeMultiByte(buf: Uint8Array, i: number, end: number): number {
  const lead = buf[i];
  let need: number;
  let cp: number;
  if (lead >= 0xc2 && lead <= 0xdf) {
    need = 1;
    cp = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    need = 2;
    cp = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    need = 3;
    cp = lead & 0x07;
  } else {
    return -1; // continuation byte as lead, 0xC0/0xC1 (always overlong), or > U+10FFFF
  }
  if (i + need >= end) return -1; // truncated
  for (let k = 1; k <= need; k++) {
    const b = buf[i + k];
    if ((b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return -1; // overlong or surrogate [MQTT-1.5.3-1]
  if (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) return -1;
  decoded.length = need + 1;
  return cp;
}

/** Classifies a code point of a multi-byte sequence (ASCII is handled inline by callers). */
export function codePointFault(cp: number): StringFault {
  if (cp <= 0x9f) return StringFault.Control; // only C1 controls U+0080..U+009F reach here
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return StringFault.NonCharacter;
  return StringFault.None;
}

/** Checks an MQTT UTF-8 string (client id, user name) held in buf[start, end). */
export function checkString(buf: Uint8Array, start: number, end: number): StringFault {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      if (b === 0) return StringFault.Null; // [MQTT-1.5.3-2]
      if (b < 0x20 || b === 0x7f) return StringFault.Control;
      i++;
      continue;
    }
    const cp = decodeMultiByte(buf, i, end);
    if (cp < 0) return StringFault.IllFormed; // [MQTT-1.5.3-1]
    const fault = codePointFault(cp);
    if (fault !== StringFault.None) return fault;
    i += decoded.length;
  }
  return StringFault.None;
}
