/** Hostile SUBSCRIBE, UNSUBSCRIBE and other packet sequences (see common.ts). */
import { hex } from '../support/session.js';
import { levels, malformed, subscribe, unsubscribe, DISCONNECT, PINGREQ, PINGRESP } from '../../support/wire.js';
import { BAD_CHARACTERS, expect, send, withBad, type HostileCase } from './common.js';

export const subscribeCases: HostileCase[] = [
  { name: 'SUBSCRIBE QoS 0 gets SUBACK 0', spec: 'MQTT-3.8.4-1', steps: [send(subscribe(0x1234, ['p', 0])), expect(hex('90 03 1234 00'))], end: 'open' },
  { name: 'SUBSCRIBE QoS 1 gets SUBACK 1', spec: 'MQTT-3.9.3-1', steps: [send(subscribe(0x1234, ['p', 1])), expect(hex('90 03 1234 01'))], end: 'open' },
  { name: 'SUBSCRIBE QoS 2 gets SUBACK 2', spec: 'MQTT-3.9.3-1', steps: [send(subscribe(0x1234, ['p', 2])), expect(hex('90 03 1234 02'))], end: 'open' },
  {
    name: 'SUBSCRIBE with two filters gets two return codes',
    spec: 'MQTT-3.8.4-4',
    steps: [send(subscribe(0x1234, ['p', 0], ['q', 1])), expect(hex('90 04 1234 00 01'))],
    end: 'open',
  },
  {
    name: "valid wildcard filters '+', '#', '+/+/#', '/+' are granted",
    spec: 'MQTT-4.7.1-2',
    steps: [send(subscribe(9, ['+', 0], ['#', 1], ['+/+/#', 2], ['/+', 0])), expect(hex('90 06 0009 00 01 02 00'))],
    end: 'open',
  },
  {
    name: 'subscribing to a $SYS topic is granted',
    spec: 'MQTT-4.7.2-1',
    steps: [send(subscribe(9, ['$SYS/hostile-test/none', 0])), expect(hex('90 03 0009 00'))],
    end: 'open',
  },
  { name: 'SUBSCRIBE with packet id 0 closes', spec: 'MQTT-2.3.1-1', steps: [send(subscribe(0, ['p', 0]))], end: 'closed' },
  { name: 'SUBSCRIBE without a topic filter closes', spec: 'MQTT-3.8.3-3', steps: [send(hex('82 02 1234'))], end: 'closed' },
  { name: 'SUBSCRIBE with an empty filter closes', spec: 'MQTT-4.7.3-1', steps: [send(hex('82 05 1234 0000 00'))], end: 'closed' },
  { name: 'SUBSCRIBE with an empty second filter closes', spec: 'MQTT-4.7.3-1', steps: [send(hex('82 09 1234 0001 71 00 0000 00'))], end: 'closed' },
  { name: 'SUBSCRIBE missing its QoS byte closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('82 05 1234 0001 70'))], end: 'closed' },
  { name: 'SUBSCRIBE with a byte left over closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('82 07 1234 0001 70 00 00'))], end: 'closed' },
  { name: 'SUBSCRIBE shorter than its packet id closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('82 01 12'))], end: 'closed' },
  { name: 'SUBSCRIBE requesting QoS 3 closes', spec: 'MQTT-3.8.3-4', steps: [send(hex('82 06 1234 0001 70 03'))], end: 'closed' },
  { name: 'SUBSCRIBE with reserved bit 0x04 set closes', spec: 'MQTT-3.8.3-4', steps: [send(hex('82 06 1234 0001 70 04'))], end: 'closed' },
  { name: 'SUBSCRIBE with reserved bit 0x80 set closes', spec: 'MQTT-3.8.3-4', steps: [send(hex('82 06 1234 0001 70 80'))], end: 'closed' },
  { name: "filter 'a/b#' closes", spec: 'MQTT-4.7.1-2', steps: [send(subscribe(1, ['a/b#', 0]))], end: 'closed' },
  { name: "filter 'a/#/b' closes", spec: 'MQTT-4.7.1-2', steps: [send(subscribe(1, ['a/#/b', 0]))], end: 'closed' },
  { name: "filter 'a+/b' closes", spec: 'MQTT-4.7.1-3', steps: [send(subscribe(1, ['a+/b', 0]))], end: 'closed' },
  { name: "filter 'a/+b' closes (Aedes alone accepts it)", spec: 'MQTT-4.7.1-3', steps: [send(subscribe(1, ['a/+b', 0]))], end: 'closed' },
  { name: 'a filter of 101 levels closes', spec: 'limit maxTopicLevels', steps: [send(subscribe(1, [levels(101), 0]))], end: 'closed' },
];
for (const flags of [0x0, 0x1, 0x3, 0x4, 0x6, 0xa]) {
  subscribeCases.push({
    name: `SUBSCRIBE with fixed-header flags 0x${flags.toString(16)} closes`,
    spec: 'MQTT-3.8.1-1',
    steps: [send(malformed.withFlags(subscribe(1, ['p', 0]), flags))],
    end: 'closed',
  });
}
for (const c of BAD_CHARACTERS) {
  subscribeCases.push({
    name: `SUBSCRIBE filter with ${c.what} closes`,
    spec: c.spec,
    steps: [send(malformed.subscribe(1, withBad(c.bytes), 0))],
    end: 'closed',
  });
}

export const unsubscribeCases: HostileCase[] = [
  {
    name: 'UNSUBSCRIBE without a subscription gets UNSUBACK',
    spec: 'MQTT-3.10.4-5',
    steps: [send(unsubscribe(0x1234, 'p')), expect(hex('B0 02 1234'))],
    end: 'open',
  },
  {
    name: 'UNSUBSCRIBE after SUBSCRIBE gets UNSUBACK',
    spec: 'MQTT-3.10.4-4',
    steps: [send(subscribe(0x1234, ['p', 0])), expect(hex('90 03 1234 00')), send(unsubscribe(0x1235, 'p')), expect(hex('B0 02 1235'))],
    end: 'open',
  },
  {
    name: 'UNSUBSCRIBE with two filters gets one UNSUBACK',
    spec: 'MQTT-3.10.4-6',
    steps: [send(unsubscribe(0x1234, 'p', 'q')), expect(hex('B0 02 1234'))],
    end: 'open',
  },
  { name: 'UNSUBSCRIBE without a filter closes', spec: 'MQTT-3.10.3-2', steps: [send(hex('A2 02 1234'))], end: 'closed' },
  { name: 'UNSUBSCRIBE with an empty first filter closes', spec: 'MQTT-4.7.3-1', steps: [send(hex('A2 07 1234 0000 0001 71'))], end: 'closed' },
  { name: 'UNSUBSCRIBE with an empty second filter closes', spec: 'MQTT-4.7.3-1', steps: [send(hex('A2 07 1234 0001 71 0000'))], end: 'closed' },
  { name: 'UNSUBSCRIBE with packet id 0 closes', spec: 'MQTT-2.3.1-1', steps: [send(unsubscribe(0, 'p'))], end: 'closed' },
  { name: 'UNSUBSCRIBE with a truncated filter closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('A2 04 1234 0001'))], end: 'closed' },
  { name: "UNSUBSCRIBE filter 'a/#/b' closes", spec: 'MQTT-4.7.1-2', steps: [send(unsubscribe(1, 'a/#/b'))], end: 'closed' },
];
for (const flags of [0x0, 0x3, 0x4, 0x6, 0xa]) {
  unsubscribeCases.push({
    name: `UNSUBSCRIBE with fixed-header flags 0x${flags.toString(16)} closes`,
    spec: 'MQTT-3.10.1-1',
    steps: [send(malformed.withFlags(unsubscribe(1, 'p'), flags))],
    end: 'closed',
  });
}
for (const c of BAD_CHARACTERS.slice(0, 8)) {
  unsubscribeCases.push({
    name: `UNSUBSCRIBE filter with ${c.what} closes`,
    spec: c.spec,
    steps: [send(malformed.unsubscribe(1, withBad(c.bytes)))],
    end: 'closed',
  });
}

export const otherCases: HostileCase[] = [
  { name: 'PINGREQ gets PINGRESP', spec: 'MQTT-3.12.4-1', steps: [send(PINGREQ), expect(PINGRESP)], end: 'open' },
  { name: 'PINGREQ with Remaining Length 1 closes', spec: '§3.12.1 (Remaining Length 0)', steps: [send(hex('C0 01 00'))], end: 'closed' },
  { name: 'DISCONNECT closes the connection', spec: 'MQTT-3.14.4-1', steps: [send(hex('E0 00'))], end: 'closed' },
  { name: 'DISCONNECT with Remaining Length 1 closes', spec: '§3.14.1 (Remaining Length 0)', steps: [send(hex('E0 01 00'))], end: 'closed' },
  { name: 'CONNACK from a client closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('20 02 00 00'))], end: 'closed' },
  { name: 'SUBACK from a client closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('90 03 0001 00'))], end: 'closed' },
  { name: 'UNSUBACK from a client closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('B0 02 0001'))], end: 'closed' },
  { name: 'PINGRESP from a client closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('D0 00'))], end: 'closed' },
  { name: 'reserved packet type 0 closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('00 00'))], end: 'closed' },
  { name: 'reserved packet type 15 closes', spec: 'MQTT-4.8.0-1', steps: [send(hex('F0 00'))], end: 'closed' },
  {
    name: 'a packet declaring more than maxPacketBytes closes before its body',
    spec: 'limit maxPacketBytes',
    steps: [send(malformed.publishHeader(0x4000000, malformed.field('big')))],
    end: 'closed',
  },
  {
    name: 'a valid packet after garbage in the same write does not save the connection',
    spec: 'MQTT-4.8.0-1',
    steps: [send(Buffer.concat([hex('F0 00'), PINGREQ]))],
    end: 'closed',
  },
];
for (const flags of [0x1, 0x2, 0x4, 0x8]) {
  otherCases.push(
    {
      name: `PINGREQ with fixed-header flags 0x${flags.toString(16)} closes`,
      spec: 'MQTT-2.2.2-2',
      steps: [send(malformed.withFlags(PINGREQ, flags))],
      end: 'closed',
    },
    {
      name: `DISCONNECT with fixed-header flags 0x${flags.toString(16)} closes`,
      spec: 'MQTT-3.14.1-1',
      steps: [send(malformed.withFlags(DISCONNECT, flags))],
      end: 'closed',
    },
  );
}
