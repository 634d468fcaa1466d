/** Hostile CONNECT sequences (see common.ts). */
import { hex } from '../support/session.js';
import { connack, connect, levels, malformed, publish, subscribe, PINGREQ, CONNACK_OK } from '../../support/wire.js';
import { BAD_CHARACTERS, expect, send, withBad, type HostileCase } from './common.js';

export const connectCases: HostileCase[] = [
  { name: 'minimal valid CONNECT is accepted', spec: 'MQTT-3.2.2-3', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 02 000A 0001 70')), expect(CONNACK_OK)], end: 'open' },
  { name: 'MQTT 3.1 (MQIsdp, level 3) is accepted', spec: 'MQTT 3.1', connect: false, steps: [send(hex('10 0F 0006 4D5149736470 03 02 000A 0001 70')), expect(CONNACK_OK)], end: 'open' },
  { name: 'MQTT 3.1 with an empty client id gets CONNACK 0x02', spec: 'MQTT 3.1 §3.1 (1-23 characters)', connect: false, steps: [send(hex('10 0E 0006 4D5149736470 03 02 000A 0000')), expect(connack(2))], end: 'closed' },
  { name: 'MQTT 3.1 with a 24-character client id gets CONNACK 0x02', spec: 'MQTT 3.1 §3.1 (1-23 characters)', connect: false, steps: [send(connect('x'.repeat(24), { protocol: { name: 'MQIsdp', level: 3 } })), expect(connack(2))], end: 'closed' },
  { name: 'protocol level 2 gets CONNACK 0x01', spec: 'MQTT-3.1.2-2', connect: false, steps: [send(hex('10 0D 0004 4D515454 02 02 000A 0001 70')), expect(connack(1))], end: 'closed' },
  { name: 'protocol level 6 gets CONNACK 0x01', spec: 'MQTT-3.1.2-2', connect: false, steps: [send(hex('10 0D 0004 4D515454 06 02 000A 0001 70')), expect(connack(1))], end: 'closed' },
  // MQTT 5 CONNECTs with bad properties: the refusal is an MQTT 5 CONNACK (flags, reason code, no properties) [MQTT-4.13.1-1].
  { name: 'MQTT 5 CONNECT with an unknown property id gets CONNACK 0x81', spec: 'MQTT-2.2.2', connect: false, steps: [send(hex('10 0F 0004 4D515454 05 02 000A 01 7F 0001 70')), expect(hex('20 03 00 81 00'))], end: 'closed' },
  { name: 'MQTT 5 CONNECT with Session Expiry Interval twice gets CONNACK 0x82', spec: 'MQTT-2.2.2', connect: false, steps: [send(hex('10 18 0004 4D515454 05 02 000A 0A 1100000000 1100000000 0001 70')), expect(hex('20 03 00 82 00'))], end: 'closed' },
  { name: 'MQTT 5 CONNECT with Receive Maximum 0 gets CONNACK 0x82', spec: 'MQTT-3.1.2', connect: false, steps: [send(hex('10 11 0004 4D515454 05 02 000A 03 210000 0001 70')), expect(hex('20 03 00 82 00'))], end: 'closed' },
  { name: 'MQTT 5 CONNECT whose property length runs past the packet gets CONNACK 0x81', spec: 'MQTT-2.2.2', connect: false, steps: [send(hex('10 0F 0004 4D515454 05 02 000A 09 7F 0001 70')), expect(hex('20 03 00 81 00'))], end: 'closed' },
  { name: "'MQIsdp' with level 4 gets CONNACK 0x01", spec: 'MQTT-3.1.2-2', connect: false, steps: [send(hex('10 0F 0006 4D5149736470 04 02 000A 0001 70')), expect(connack(1))], end: 'closed' },
  { name: "'MQTT' with level 3 gets CONNACK 0x01", spec: 'MQTT-3.1.2-2', connect: false, steps: [send(hex('10 0D 0004 4D515454 03 02 000A 0001 70')), expect(connack(1))], end: 'closed' },
  { name: "protocol name 'MQTU' closes", spec: 'MQTT-3.1.2-1', connect: false, steps: [send(hex('10 0D 0004 4D515455 04 02 000A 0001 70'))], end: 'closed' },
  { name: "protocol name 'MQT' closes", spec: 'MQTT-3.1.2-1', connect: false, steps: [send(hex('10 0C 0003 4D5154 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'empty protocol name closes', spec: 'MQTT-3.1.2-1', connect: false, steps: [send(hex('10 09 0000 04 02 000A 0001 70'))], end: 'closed' },
  { name: "protocol name 'MQTTT' closes", spec: 'MQTT-3.1.2-1', connect: false, steps: [send(hex('10 0E 0005 4D51545454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'reserved connect flag closes', spec: 'MQTT-3.1.2-3', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 03 000A 0001 70'))], end: 'closed' },
  { name: 'Will QoS 1 without the Will Flag closes', spec: 'MQTT-3.1.2-13', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 0A 000A 0001 70'))], end: 'closed' },
  { name: 'Will QoS 2 without the Will Flag closes', spec: 'MQTT-3.1.2-13', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 12 000A 0001 70'))], end: 'closed' },
  { name: 'Will Retain without the Will Flag closes', spec: 'MQTT-3.1.2-15', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 22 000A 0001 70'))], end: 'closed' },
  { name: 'Will QoS 3 closes', spec: 'MQTT-3.1.2-14', connect: false, steps: [send(hex('10 13 0004 4D515454 04 1E 000A 0001 70 0001 70 0001 70'))], end: 'closed' },
  { name: 'Will Flag without Will Topic and Message closes', spec: 'MQTT-3.1.2-9', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 06 000A 0001 70'))], end: 'closed' },
  { name: 'Will Flag with a topic but no Will Message closes', spec: 'MQTT-3.1.2-9', connect: false, steps: [send(hex('10 10 0004 4D515454 04 06 000A 0001 70 0001 70'))], end: 'closed' },
  { name: 'a valid Will is accepted', spec: 'MQTT-3.1.2-9', connect: false, steps: [send(hex('10 13 0004 4D515454 04 06 000A 0001 70 0001 70 0001 70')), expect(CONNACK_OK)], end: 'open' },
  { name: 'an empty Will Topic closes', spec: 'MQTT-4.7.3-1', connect: false, steps: [send(malformed.connect('w', { willTopic: '' }))], end: 'closed' },
  { name: "a Will Topic with '#' closes", spec: 'MQTT-3.3.2-2', connect: false, steps: [send(connect('w', { will: { topic: 'a/#' } }))], end: 'closed' },
  { name: "a Will Topic with '+' closes", spec: 'MQTT-3.3.2-2', connect: false, steps: [send(connect('w', { will: { topic: 'a/+/b' } }))], end: 'closed' },
  { name: 'a Will Topic of 101 levels closes', spec: 'limit maxTopicLevels', connect: false, steps: [send(connect('w', { will: { topic: levels(101) } }))], end: 'closed' },
  { name: 'a client id with 2-, 3- and 4-byte UTF-8 characters is accepted', spec: 'MQTT-1.5.3', connect: false, steps: [send(connect('é-€-😀')), expect(CONNACK_OK)], end: 'open' },
  { name: 'a client id holding U+FEFF is accepted', spec: 'MQTT-1.5.3-3', connect: false, steps: [send(connect(hex('41EFBBBF42'))), expect(CONNACK_OK)], end: 'open' },
  { name: 'a CONNECT ending before the client id closes', spec: 'MQTT-3.1.3-3', connect: false, steps: [send(hex('10 0A 0004 4D515454 04 02 000A'))], end: 'closed' },
  { name: 'a client id longer than the packet closes', spec: 'MQTT-4.8.0-1', connect: false, steps: [send(hex('10 0F 0004 4D515454 04 02 000A 0009 707070'))], end: 'closed' },
  { name: 'an empty client id with clean session is accepted', spec: 'MQTT-3.1.3-6', connect: false, steps: [send(hex('10 0C 0004 4D515454 04 02 000A 0000')), expect(CONNACK_OK)], end: 'open' },
  { name: 'an empty client id without clean session gets CONNACK 0x02', spec: 'MQTT-3.1.3-8', connect: false, steps: [send(hex('10 0C 0004 4D515454 04 00 000A 0000')), expect(connack(2))], end: 'closed' },
  { name: 'a user name present without its flag closes', spec: 'MQTT-3.1.2-18', connect: false, steps: [send(hex('10 10 0004 4D515454 04 02 000A 0001 70 0001 70'))], end: 'closed' },
  { name: 'the User Name Flag without a user name closes', spec: 'MQTT-3.1.2-19', connect: false, steps: [send(hex('10 0D 0004 4D515454 04 82 000A 0001 70'))], end: 'closed' },
  { name: 'a password present without its flag closes', spec: 'MQTT-3.1.2-20', connect: false, steps: [send(hex('10 13 0004 4D515454 04 82 000A 0001 70 0001 70 0001 70'))], end: 'closed' },
  { name: 'the Password Flag without a password closes', spec: 'MQTT-3.1.2-21', connect: false, steps: [send(hex('10 10 0004 4D515454 04 C2 000A 0001 70 0001 70'))], end: 'closed' },
  { name: 'a password without a user name closes', spec: 'MQTT-3.1.2-22', connect: false, steps: [send(hex('10 10 0004 4D515454 04 42 000A 0001 70 0001 70'))], end: 'closed' },
  { name: 'a zero-length user name is accepted', spec: 'MQTT-3.1.3-11', connect: false, steps: [send(hex('10 0F 0004 4D515454 04 82 000A 0001 70 0000')), expect(CONNACK_OK)], end: 'open' },
  { name: 'a user name and password are accepted (anonymous access on)', spec: 'MQTT-3.1.3-12', connect: false, steps: [send(hex('10 13 0004 4D515454 04 C2 000A 0001 70 0001 70 0001 70')), expect(CONNACK_OK)], end: 'open' },
  { name: 'a password holding 0x00 bytes is binary data and accepted', spec: 'MQTT-3.1.3-12', connect: false, steps: [send(connect('pw0', { username: 'u', password: hex('00FF0000') })), expect(CONNACK_OK)], end: 'open' },
  { name: 'CONNECT with fixed-header flags 0x1 closes', spec: 'MQTT-2.2.2-2', connect: false, steps: [send(hex('11 0D 0004 4D515454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'CONNECT with fixed-header flags 0x2 closes', spec: 'MQTT-2.2.2-2', connect: false, steps: [send(hex('12 0D 0004 4D515454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'CONNECT with fixed-header flags 0x4 closes', spec: 'MQTT-2.2.2-2', connect: false, steps: [send(hex('14 0D 0004 4D515454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'CONNECT with fixed-header flags 0x8 closes', spec: 'MQTT-2.2.2-2', connect: false, steps: [send(hex('18 0D 0004 4D515454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'a 5-byte Remaining Length closes', spec: '§2.2.3 (at most 4 bytes)', connect: false, steps: [send(hex('10 FFFFFFFF7F 0004 4D515454 04 02 000A 0001 70'))], end: 'closed' },
  { name: 'bytes left over after the CONNECT payload close', spec: 'MQTT-4.8.0-1', connect: false, steps: [send(hex('10 0E 0004 4D515454 04 02 000A 0001 70 70'))], end: 'closed' },
  { name: 'a second CONNECT closes', spec: 'MQTT-3.1.0-2', steps: [send(connect('again'))], end: 'closed' },
  { name: 'PUBLISH as the first packet closes', spec: 'MQTT-3.1.0-1', connect: false, steps: [send(publish('t'))], end: 'closed' },
  { name: 'PINGREQ as the first packet closes', spec: 'MQTT-3.1.0-1', connect: false, steps: [send(PINGREQ)], end: 'closed' },
  { name: 'SUBSCRIBE as the first packet closes', spec: 'MQTT-3.1.0-1', connect: false, steps: [send(subscribe(1, ['t', 0]))], end: 'closed' },
  { name: 'packet type 0 as the first packet closes', spec: 'MQTT-3.1.0-1', connect: false, steps: [send(hex('00 00'))], end: 'closed' },
  { name: 'packet type 15 as the first packet closes', spec: 'MQTT-3.1.0-1', connect: false, steps: [send(hex('F0 00'))], end: 'closed' },
  { name: 'Keep Alive 0 (disabled) is accepted', spec: 'MQTT-3.1.2-24', connect: false, steps: [send(connect('ka0', { keepalive: 0 })), expect(CONNACK_OK)], end: 'open' },
  { name: 'a CONNECT split into one-byte writes is accepted', spec: 'MQTT-2.2.3', connect: false, steps: [...[...connect('split')].map((b) => send(Buffer.from([b]))), expect(CONNACK_OK)], end: 'open' },
];

for (const c of BAD_CHARACTERS) {
  connectCases.push(
    { name: `a client id with ${c.what} closes`, spec: `MQTT-3.1.3-4 ${c.spec}`, connect: false, steps: [send(connect(withBad(c.bytes)))], end: 'closed' },
    { name: `a user name with ${c.what} closes`, spec: `MQTT-3.1.3-11 ${c.spec}`, connect: false, steps: [send(connect('u', { username: withBad(c.bytes) }))], end: 'closed' },
    { name: `a Will Topic with ${c.what} closes`, spec: `MQTT-3.1.3-10 ${c.spec}`, connect: false, steps: [send(malformed.connect('w', { willTopic: withBad(c.bytes) }))], end: 'closed' },
  );
}

