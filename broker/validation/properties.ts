/**
 * MQTT 5 property blocks on raw bytes (§2.2.2), checked before mqtt-packet decodes them: mqtt-packet
 * accepts duplicates, a Topic Alias of 0 and a Subscription Identifier on a client PUBLISH, and
 * fails on an unknown identifier with an error Aedes answers by dropping the connection without a
 * reason. Each fault maps to the reason code the spec asks for (see violations.ts).
 */
import { StringFault, checkString } from './utf8.js';

/** Where a property block sits; each allows its own identifiers (Table 2.4). */
export const enum PropertyContext {
  Connect,
  Will,
  Publish,
  Ack,
  Subscribe,
  Unsubscribe,
  Disconnect,
  Auth,
}

const enum Kind {
  Byte,
  U16,
  U32,
  Vbi,
  Utf8,
  Binary,
  Pair,
}

const C = 1 << PropertyContext.Connect;
const W = 1 << PropertyContext.Will;
const P = 1 << PropertyContext.Publish;
const A = 1 << PropertyContext.Ack;
const S = 1 << PropertyContext.Subscribe;
const U = 1 << PropertyContext.Unsubscribe;
const D = 1 << PropertyContext.Disconnect;
const H = 1 << PropertyContext.Auth;

/** Identifier → [kind, contexts a client may send it in]. Server-only identifiers are absent. */
const PROPERTIES: ReadonlyMap<number, readonly [Kind, number]> = new Map([
  [0x01, [Kind.Byte, W | P]], // Payload Format Indicator
  [0x02, [Kind.U32, W | P]], // Message Expiry Interval
  [0x03, [Kind.Utf8, W | P]], // Content Type
  [0x08, [Kind.Utf8, W | P]], // Response Topic
  [0x09, [Kind.Binary, W | P]], // Correlation Data
  [0x0b, [Kind.Vbi, S | P]], // Subscription Identifier (PUBLISH: server to client only, checked below)
  [0x11, [Kind.U32, C | D]], // Session Expiry Interval
  [0x15, [Kind.Utf8, C | H]], // Authentication Method
  [0x16, [Kind.Binary, C | H]], // Authentication Data
  [0x17, [Kind.Byte, C]], // Request Problem Information
  [0x18, [Kind.U32, W]], // Will Delay Interval
  [0x19, [Kind.Byte, C]], // Request Response Information
  [0x1c, [Kind.Utf8, D]], // Server Reference
  [0x1f, [Kind.Utf8, A | D | H]], // Reason String
  [0x21, [Kind.U16, C]], // Receive Maximum
  [0x22, [Kind.U16, C]], // Topic Alias Maximum
  [0x23, [Kind.U16, P]], // Topic Alias
  [0x26, [Kind.Pair, C | W | P | A | S | U | D | H]], // User Property
  [0x27, [Kind.U32, C]], // Maximum Packet Size
]);

/** What is wrong with a property block; null = nothing. */
export type PropertyFault = 'malformed_properties' | 'duplicate_property' | 'bad_property_value' | 'topic_alias_zero' | 'publish_subscription_identifier';

/** Reads a Variable Byte Integer at buf[i] (§1.5.5); returns -1 if malformed or past `end`. `vbiLength` gets its size. */
export function readVbi(buf: Uint8Array, i: number, end: number): number {
  let value = 0;
  let multiplier = 1;
  for (let n = 0; n < 4; n++) {
    if (i + n >= end) return -1;
    const b = buf[i + n];
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) {
      vbiLength.n = n + 1;
      return value;
    }
    multiplier *= 128;
  }
  return -1; // a fifth byte [MQTT-1.5.5-1]
}
export const vbiLength = { n: 0 };
/** What the last checkProperties call found besides faults: the Topic Alias (0 = none). */
export const propertyInfo = { topicAlias: 0 };

function stringAt(buf: Uint8Array, i: number, end: number): number {
  if (i + 2 > end) return -1;
  const len = (buf[i] << 8) | buf[i + 1];
  if (i + 2 + len > end) return -1;
  const fault = checkString(buf, i + 2, i + 2 + len);
  // Ill-formed UTF-8 and U+0000 are malformed [MQTT-1.5.4-1] [MQTT-1.5.4-2]; control characters are only "SHOULD NOT" in values.
  if (fault === StringFault.IllFormed || fault === StringFault.Null) return -1;
  return i + 2 + len;
}

/** Checks the property bytes buf[start, end) (without their length prefix) for `context`. */
export function checkProperties(buf: Uint8Array, start: number, end: number, context: PropertyContext): PropertyFault | null {
  const bit = 1 << context;
  propertyInfo.topicAlias = 0;
  let seen = 0n;
  let i = start;
  while (i < end) {
    const id = readVbi(buf, i, end); // identifiers are VBIs, in practice one byte
    if (id < 0) return 'malformed_properties';
    i += vbiLength.n;
    const spec = PROPERTIES.get(id);
    // An identifier unknown, or not valid in this packet, makes the packet malformed (§2.2.2.2).
    if (spec === undefined || (spec[1] & bit) === 0) return 'malformed_properties';
    if (id === 0x0b && context === PropertyContext.Publish) return 'publish_subscription_identifier'; // [MQTT-3.3.4-6]
    if (id !== 0x26) {
      const flag = 1n << BigInt(id);
      if (seen & flag) return 'duplicate_property'; // included more than once: Protocol Error (§2.2.2.2)
      seen |= flag;
    }
    switch (spec[0]) {
      case Kind.Byte:
        if (i + 1 > end) return 'malformed_properties';
        if (buf[i] > 1) return 'bad_property_value'; // only 0 or 1: any other value is a Protocol Error (§3.1.2.11.7, §3.1.2.11.6, §3.3.2.3.2)
        i += 1;
        break;
      case Kind.U16: {
        if (i + 2 > end) return 'malformed_properties';
        const v = (buf[i] << 8) | buf[i + 1];
        if (id === 0x23) {
          if (v === 0) return 'topic_alias_zero'; // [MQTT-3.3.2-8]
          propertyInfo.topicAlias = v;
        }
        if (v === 0 && id === 0x21) return 'bad_property_value'; // Receive Maximum 0 (§3.1.2.11.3)
        i += 2;
        break;
      }
      case Kind.U32: {
        if (i + 4 > end) return 'malformed_properties';
        const v = buf[i] * 0x1000000 + ((buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]);
        if (v === 0 && id === 0x27) return 'bad_property_value'; // Maximum Packet Size 0 (§3.1.2.11.4)
        i += 4;
        break;
      }
      case Kind.Vbi: {
        const v = readVbi(buf, i, end);
        if (v < 0) return 'malformed_properties';
        if (v === 0) return 'bad_property_value'; // Subscription Identifier 0 is a Protocol Error (§3.8.2.1.2)
        i += vbiLength.n;
        break;
      }
      case Kind.Utf8:
        i = stringAt(buf, i, end);
        if (i < 0) return 'malformed_properties';
        break;
      case Kind.Binary: {
        if (i + 2 > end) return 'malformed_properties';
        i += 2 + ((buf[i] << 8) | buf[i + 1]);
        if (i > end) return 'malformed_properties';
        break;
      }
      case Kind.Pair:
        i = stringAt(buf, i, end);
        if (i < 0) return 'malformed_properties';
        i = stringAt(buf, i, end);
        if (i < 0) return 'malformed_properties';
        break;
      default: {
        const never: never = spec[0];
        return never;
      }
    }
  }
  return i === end ? null : 'malformed_properties';
}
