import { StringFault, codePointFault, decodeMultiByte, decoded } from './utf8.js';

/** What is wrong with a topic name or filter; 0 = nothing. Values 1-4 are the StringFault values. */
export const enum TopicFault {
  None = 0,
  IllFormed = 1,
  Null = 2,
  Control = 3,
  NonCharacter = 4,
  /** Zero length [MQTT-4.7.3-1]. */
  Empty = 5,
  /** '+' or '#' in a topic name (PUBLISH, Will) [MQTT-3.3.2-2]. */
  WildcardInName = 6,
  /** '#' not alone in the last level, or '+' not alone in its level [MQTT-4.7.1-2] [MQTT-4.7.1-3]. */
  BadWildcard = 7,
  /** More levels than the limit (Aedes' matcher throws past 100). */
  TooManyLevels = 8,
  /** More bytes than the limit. */
  TooLong = 9,
}

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/**
 * One pass over the bytes of a topic name (`filter` false) or topic filter (`filter` true) in
 * buf[start, end): UTF-8 well-formedness, forbidden characters, wildcard placement, level count
 * and length. Allocates nothing; the publish path calls it once per PUBLISH.
 */
export function checkTopic(buf: Uint8Array, start: number, end: number, filter: boolean, maxLevels: number, maxBytes: number): TopicFault {
  const len = end - start;
  if (len === 0) return TopicFault.Empty; // [MQTT-4.7.3-1]
  if (len > maxBytes) return TopicFault.TooLong;
  let levels = 1;
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      if (b === SLASH) {
        if (++levels > maxLevels) return TopicFault.TooManyLevels;
      } else if (b === PLUS || b === HASH) {
        if (!filter) return TopicFault.WildcardInName; // [MQTT-3.3.2-2]
        // A wildcard must fill its level: preceded by the start or '/', followed by the end or '/'.
        if (i > start && buf[i - 1] !== SLASH) return TopicFault.BadWildcard; // [MQTT-4.7.1-2] [MQTT-4.7.1-3]
        if (b === HASH && i !== end - 1) return TopicFault.BadWildcard; // '#' is the last character [MQTT-4.7.1-2]
        if (b === PLUS && i !== end - 1 && buf[i + 1] !== SLASH) return TopicFault.BadWildcard; // [MQTT-4.7.1-3]
      } else if (b === 0) {
        return TopicFault.Null; // [MQTT-1.5.3-2]
      } else if (b < 0x20 || b === 0x7f) {
        return TopicFault.Control;
      }
      i++;
      continue;
    }
    const cp = decodeMultiByte(buf, i, end);
    if (cp < 0) return TopicFault.IllFormed; // [MQTT-1.5.3-1]
    const fault = codePointFault(cp);
    if (fault !== StringFault.None) return fault as number as TopicFault;
    i += decoded.length;
  }
  return TopicFault.None;
}

/** Checks a topic held in a JS string (for ACL files and tests); same rules as checkTopic. */
export function checkTopicString(topic: string, filter: boolean, maxLevels = 100, maxBytes = 65535): TopicFault {
  const bytes = Buffer.from(topic, 'utf8');
  return checkTopic(bytes, 0, bytes.length, filter, maxLevels, maxBytes);
}

const SHARE = [0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2f]; // "$share/"
const QUEUE = [0x24, 0x71, 0x75, 0x65, 0x75, 0x65, 0x2f]; // "$queue/"

/**
 * Does the filter in buf[start, end) start with `$share/` or `$queue/`? Such a filter is a shared
 * subscription: a wildcard in its share name, or a bad inner filter, makes just that subscription
 * fail (SUBACK 0x80; 0x8F in MQTT 5) instead of being a protocol error [MQTT-4.8.2-1] [MQTT-4.8.2-2].
 */
export function isShareFilter(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < SHARE.length) return false;
  const prefix = buf[start + 1] === 0x73 ? SHARE : QUEUE;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}
