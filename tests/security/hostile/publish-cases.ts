/** Hostile PUBLISH and acknowledgement sequences (see common.ts). */
import { hex } from '../support/session.js';
import { ack, levels, malformed, publish } from '../../support/wire.js';
import { BAD_CHARACTERS, expect, send, withBad, type HostileCase } from './common.js';

export const publishCases: HostileCase[] = [
  { name: 'QoS 0 PUBLISH gets no reply', spec: 'MQTT-3.3.4-1', steps: [send(publish('topic'))], end: 'open' },
  { name: 'retained QoS 0 PUBLISH is accepted', spec: 'MQTT-3.3.1-5', steps: [send(publish('hx/retained', { retain: true }))], end: 'open' },
  {
    name: 'retained PUBLISH with an empty payload is accepted',
    spec: 'MQTT-3.3.1-10',
    steps: [send(publish('hx/retained', { retain: true, payload: '' }))],
    end: 'open',
  },
  {
    name: 'QoS 1 PUBLISH gets PUBACK',
    spec: 'MQTT-3.3.4-1',
    steps: [send(publish('topic', { qos: 1, id: 0x1234 })), expect(ack('puback', 0x1234))],
    end: 'open',
  },
  {
    name: 'QoS 1 PUBLISH with DUP gets PUBACK',
    spec: 'MQTT-3.3.1-1',
    steps: [send(publish('topic', { qos: 1, id: 0x1234, dup: true })), expect(ack('puback', 0x1234))],
    end: 'open',
  },
  {
    name: 'QoS 2 PUBLISH gets PUBREC, then PUBREL gets PUBCOMP',
    spec: 'MQTT-4.3.3-2',
    steps: [send(publish('topic', { qos: 2, id: 0x1234 })), expect(ack('pubrec', 0x1234)), send(ack('pubrel', 0x1234)), expect(ack('pubcomp', 0x1234))],
    end: 'open',
  },
  {
    name: 'QoS 2 PUBLISH with DUP gets PUBREC and PUBCOMP',
    spec: 'MQTT-4.3.3-2',
    steps: [send(publish('topic', { qos: 2, id: 7, dup: true })), expect(ack('pubrec', 7)), send(ack('pubrel', 7)), expect(ack('pubcomp', 7))],
    end: 'open',
  },
  { name: 'QoS 3 PUBLISH without a packet id closes', spec: 'MQTT-3.3.1-4', steps: [send(hex('36 0E 0005 746F706963 7061796C6F6164'))], end: 'closed' },
  { name: 'QoS 3 PUBLISH with a packet id closes', spec: 'MQTT-3.3.1-4', steps: [send(hex('36 10 0005 746F706963 1234 7061796C6F6164'))], end: 'closed' },
  { name: 'QoS 0 PUBLISH with DUP closes', spec: 'MQTT-3.3.1-2', steps: [send(hex('38 0E 0005 746F706963 7061796C6F6164'))], end: 'closed' },
  { name: 'QoS 1 PUBLISH with packet id 0 closes', spec: 'MQTT-2.3.1-1', steps: [send(publish('topic', { qos: 1, id: 0 }))], end: 'closed' },
  { name: 'QoS 2 PUBLISH with packet id 0 closes', spec: 'MQTT-2.3.1-1', steps: [send(publish('topic', { qos: 2, id: 0 }))], end: 'closed' },
  { name: 'PUBLISH with an empty topic closes', spec: 'MQTT-4.7.3-1', steps: [send(hex('30 09 0000 7061796C6F6164'))], end: 'closed' },
  { name: "PUBLISH topic with '+' closes", spec: 'MQTT-3.3.2-2', steps: [send(publish('+opic'))], end: 'closed' },
  { name: "PUBLISH topic with '#' closes", spec: 'MQTT-3.3.2-2', steps: [send(publish('#opic'))], end: 'closed' },
  { name: "PUBLISH topic 'a/#' closes", spec: 'MQTT-3.3.2-2', steps: [send(publish('a/#', { qos: 1, id: 3 }))], end: 'closed' },
  {
    name: 'PUBLISH topic with a 4-byte character (U+2A6D4) is accepted',
    spec: '§1.5.3.1',
    steps: [send(hex('30 0E 0005 41F0AA9B94 7061796C6F6164'))],
    end: 'open',
  },
  { name: 'PUBLISH topic longer than the packet closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('30 05 0009 746F70'))], end: 'closed' },
  { name: 'QoS 1 PUBLISH missing its packet id closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('32 04 0002 7470'))], end: 'closed' },
  {
    name: 'PUBLISH topic of 101 levels closes (Aedes once crashed on it)',
    spec: 'limit maxTopicLevels',
    steps: [send(publish(levels(101), { qos: 1, id: 1 }))],
    end: 'closed',
  },
  {
    name: 'PUBLISH topic of exactly 100 levels is accepted',
    spec: 'limit maxTopicLevels',
    steps: [send(publish(levels(100), { qos: 1, id: 9 })), expect(ack('puback', 9))],
    end: 'open',
  },
  {
    name: 'QoS 1 PUBLISH to $SYS is acknowledged and dropped',
    spec: 'mosquitto: $SYS is read-only',
    steps: [send(publish('$SYS/broker/x', { qos: 1, id: 5 })), expect(ack('puback', 5))],
    end: 'open',
  },
  {
    name: 'QoS 2 PUBLISH to $SYS gets PUBREC and PUBCOMP and is dropped',
    spec: 'mosquitto: $SYS is read-only',
    steps: [send(publish('$SYS/x', { qos: 2, id: 6 })), expect(ack('pubrec', 6)), send(ack('pubrel', 6)), expect(ack('pubcomp', 6))],
    end: 'open',
  },
  {
    name: 'a PUBLISH split into one-byte writes gets its PUBACK',
    spec: 'MQTT-2.2.3',
    steps: [...[...publish('split/topic', { qos: 1, id: 77 })].map((b) => send(Buffer.from([b]))), expect(ack('puback', 77))],
    end: 'open',
  },
  {
    name: 'fifty pipelined QoS 1 PUBLISH in one write get fifty PUBACKs',
    spec: 'MQTT-4.6.0-2',
    steps: [
      send(Buffer.concat(Array.from({ length: 50 }, (_, i) => publish('pipe', { qos: 1, id: i + 1 })))),
      expect(Buffer.concat(Array.from({ length: 50 }, (_, i) => ack('puback', i + 1)))),
    ],
    end: 'open',
  },
  {
    name: 'a bad character in a topic split across writes closes',
    spec: 'MQTT-1.5.3-2',
    steps: [send(hex('30 0E 0005 746F')), send(hex('700000 7061796C6F6164'))],
    end: 'closed',
  },
];

for (const c of BAD_CHARACTERS) {
  publishCases.push({ name: `PUBLISH topic with ${c.what} closes`, spec: c.spec, steps: [send(publish(withBad(c.bytes), { qos: 1, id: 2 }))], end: 'closed' });
}

/** Acknowledgements a client may send: unsolicited ones are tolerated, malformed ones close. */
export const ackCases: HostileCase[] = [];
for (const [name, cmd, reply] of [
  ['PUBACK', 'puback', null],
  ['PUBREC', 'pubrec', 'pubrel'],
  ['PUBREL', 'pubrel', 'pubcomp'],
  ['PUBCOMP', 'pubcomp', null],
] as const) {
  const one = ack(cmd, 1);
  const byte0 = one[0];
  const required = byte0 & 0x0f;
  ackCases.push(
    {
      name: `unsolicited ${name} ${reply ? `gets ${reply.toUpperCase()}` : 'is ignored'}`,
      spec: name === 'PUBREL' ? 'MQTT-4.3.3-2' : 'MQTT-4.3.2',
      steps: reply ? [send(one), expect(ack(reply, 1))] : [send(one)],
      end: 'open',
    },
    { name: `${name} with packet id 0 closes`, spec: 'MQTT-2.3.1-1', steps: [send(ack(cmd, 0))], end: 'closed' },
    {
      name: `${name} with Remaining Length 3 closes`,
      spec: `§${name === 'PUBACK' ? '3.4' : name === 'PUBREC' ? '3.5' : name === 'PUBREL' ? '3.6' : '3.7'}.1 (Remaining Length 2)`,
      steps: [send(malformed.packet(byte0, Buffer.from([0x00, 0x01, 0x00])))],
      end: 'closed',
    },
    { name: `${name} with Remaining Length 0 closes`, spec: 'MQTT-4.8.0-1', steps: [send(malformed.packet(byte0))], end: 'closed' },
    { name: `${name} with Remaining Length 1 closes`, spec: 'MQTT-4.8.0-1', steps: [send(malformed.packet(byte0, Buffer.from([0x01])))], end: 'closed' },
  );
  for (const flags of [0x1, 0x2, 0x4, 0x8, 0x3]) {
    if (flags === required) continue;
    ackCases.push({
      name: `${name} with fixed-header flags 0x${flags.toString(16)} closes`,
      spec: name === 'PUBREL' ? 'MQTT-3.6.1-1' : 'MQTT-2.2.2-2',
      steps: [send(malformed.withFlags(one, flags))],
      end: 'closed',
    });
  }
}
