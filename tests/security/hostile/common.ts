/**
 * Malformed and hostile MQTT 3.1.1 packet sequences, each with the reply the broker must send and
 * whether it must then close the connection, and the normative statement it checks. Written from
 * the MQTT 3.1.1 specification; mosquitto's packet-sequence corpus (test/broker/data/*.json) was the
 * checklist of what to cover, and mosquitto 2.0.11's answers were checked where the spec leaves a
 * choice.
 */
import { hex } from '../support/session.js';

export type Step = { send: Buffer } | { expect: Buffer };

export interface HostileCase {
  name: string;
  /** The normative statement (or section) checked. */
  spec: string;
  /** Send a valid CONNECT and expect CONNACK 0 first (default true). */
  connect?: boolean;
  steps: Step[];
  /** The connection state at the end: closed by the broker, or open (checked with PINGREQ). */
  end: 'closed' | 'open';
}

export const send = (b: Buffer): Step => ({ send: b });
export const expect = (b: Buffer): Step => ({ expect: b });

/** Code points MQTT strings must not hold, as UTF-8 bytes (some deliberately ill-formed). */
export const BAD_CHARACTERS: Array<{ what: string; bytes: string; spec: string }> = [
  { what: 'U+0000', bytes: '00', spec: 'MQTT-1.5.3-2' },
  { what: 'surrogate U+D800', bytes: 'EDA080', spec: 'MQTT-1.5.3-1' },
  { what: 'surrogate U+DFFF', bytes: 'EDBFBF', spec: 'MQTT-1.5.3-1' },
  { what: 'control U+0001', bytes: '01', spec: '§1.5.3 (MAY close)' },
  { what: 'control U+001F', bytes: '1F', spec: '§1.5.3 (MAY close)' },
  { what: 'control U+007F', bytes: '7F', spec: '§1.5.3 (MAY close)' },
  { what: 'control U+009F', bytes: 'C29F', spec: '§1.5.3 (MAY close)' },
  { what: 'non-character U+FFFF', bytes: 'EFBFBF', spec: '§1.5.3 (MAY close)' },
  { what: "overlong '/' (C0 AF)", bytes: 'C0AF', spec: 'MQTT-1.5.3-1' },
  { what: 'truncated 3-byte sequence', bytes: 'E282', spec: 'MQTT-1.5.3-1' },
  { what: 'lone continuation byte', bytes: '80', spec: 'MQTT-1.5.3-1' },
  { what: 'code point above U+10FFFF', bytes: 'F4908080', spec: 'MQTT-1.5.3-1' },
];

/** 'to' + the bad bytes + 'p': a string with one bad character inside. */
export const withBad = (bytes: string) => Buffer.concat([Buffer.from('to'), hex(bytes), Buffer.from('p')]);
