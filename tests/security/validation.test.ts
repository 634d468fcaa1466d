import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PropertyContext, checkProperties } from '../../broker/validation/properties.js';
import { StringFault, checkString } from '../../broker/validation/utf8.js';
import { TopicFault, checkTopicString, checkTopic } from '../../broker/validation/topic.js';
import { PacketGuard } from '../../broker/listeners/packet-guard.js';
import { MqttInspector } from '../../broker/validation/inspector.js';
import { hex } from './support/session.js';
import { connect, malformed, publish, subscribe, unsubscribe, ack, PINGREQ, levels } from '../support/wire.js';

const LIMITS = { maxClientIdBytes: 64, maxTopicBytes: 200, maxTopicLevels: 100, maxKeepaliveSeconds: 3600, topicAliasMaximum: 10 };

describe('MQTT string checks on raw bytes', () => {
  const cases: Array<[string, string, StringFault]> = [
    ['ASCII', '616263', StringFault.None],
    ['2-byte é', 'C3A9', StringFault.None],
    ['3-byte €', 'E282AC', StringFault.None],
    ['4-byte 😀', 'F09F9880', StringFault.None],
    ['U+FEFF is allowed', 'EFBBBF', StringFault.None],
    ['U+10FFFD (last private use) is allowed', 'F48FBFBD', StringFault.None],
    ['U+0000', '00', StringFault.Null],
    ['U+0001', '01', StringFault.Control],
    ['U+001F', '1F', StringFault.Control],
    ['U+007F', '7F', StringFault.Control],
    ['U+0080', 'C280', StringFault.Control],
    ['U+009F', 'C29F', StringFault.Control],
    ['U+00A0 is allowed', 'C2A0', StringFault.None],
    ['surrogate U+D800', 'EDA080', StringFault.IllFormed],
    ['surrogate U+DFFF', 'EDBFBF', StringFault.IllFormed],
    ['non-character U+FFFE', 'EFBFBE', StringFault.NonCharacter],
    ['non-character U+FFFF', 'EFBFBF', StringFault.NonCharacter],
    ['non-character U+FDD0', 'EFB790', StringFault.NonCharacter],
    ['non-character U+1FFFF', 'F09FBFBF', StringFault.NonCharacter],
    ['overlong 2-byte (C0 AF)', 'C0AF', StringFault.IllFormed],
    ['overlong 3-byte (E0 80 AF)', 'E080AF', StringFault.IllFormed],
    ['overlong 4-byte (F0 80 80 AF)', 'F08080AF', StringFault.IllFormed],
    ['above U+10FFFF (F4 90 80 80)', 'F4908080', StringFault.IllFormed],
    ['F5 lead byte', 'F5808080', StringFault.IllFormed],
    ['lone continuation', '80', StringFault.IllFormed],
    ['truncated at the end', '61E282', StringFault.IllFormed],
    ['continuation replaced by ASCII', 'E28261', StringFault.IllFormed],
  ];
  for (const [what, bytes, expected] of cases) {
    test(`${what} → ${expected}`, () => {
      const b = hex(bytes);
      assert.equal(checkString(b, 0, b.length), expected);
    });
  }

  test('checks only the given range of a larger buffer', () => {
    const b = hex('00 616263 00');
    assert.equal(checkString(b, 1, 4), StringFault.None);
    assert.equal(checkString(b, 0, 4), StringFault.Null);
  });
});

describe('topic names and filters', () => {
  const table: Array<[string, boolean, TopicFault]> = [
    ['a/b/c', false, TopicFault.None],
    ['/', false, TopicFault.None],
    ['a//b', false, TopicFault.None],
    ['', false, TopicFault.Empty],
    ['a/+', false, TopicFault.WildcardInName],
    ['#', false, TopicFault.WildcardInName],
    ['a/b+', false, TopicFault.WildcardInName],
    ['#', true, TopicFault.None],
    ['+', true, TopicFault.None],
    ['a/#', true, TopicFault.None],
    ['+/+/#', true, TopicFault.None],
    ['/+/', true, TopicFault.None],
    ['a/#/b', true, TopicFault.BadWildcard],
    ['a#', true, TopicFault.BadWildcard],
    ['a/b#', true, TopicFault.BadWildcard],
    ['a+', true, TopicFault.BadWildcard],
    ['+a', true, TopicFault.BadWildcard],
    ['a/+b', true, TopicFault.BadWildcard],
    ['a/b+/c', true, TopicFault.BadWildcard],
    ['##', true, TopicFault.BadWildcard],
    ['++', true, TopicFault.BadWildcard],
    [levels(100), true, TopicFault.None],
    [levels(101), true, TopicFault.TooManyLevels],
    [levels(101), false, TopicFault.TooManyLevels],
    ['x'.repeat(250), false, TopicFault.None],
    ['x'.repeat(251), false, TopicFault.TooLong],
  ];
  for (const [topic, filter, expected] of table) {
    test(`${filter ? 'filter' : 'name'} '${topic.length > 30 ? `${topic.slice(0, 12)}…(${topic.length})` : topic}' → ${expected}`, () => {
      assert.equal(checkTopicString(topic, filter, 100, 250), expected);
    });
  }

  test('a control character in a topic is reported as such', () => {
    const b = hex('61 2F 09 62');
    assert.equal(checkTopic(b, 0, b.length, false, 100, 100), TopicFault.Control);
  });
});

/** Feeds `stream` to a guard with an inspector in two chunks cut at `cut`; returns the violation or null. */
function scan(stream: Buffer, cut: number, max = 1 << 20): string | null {
  const g = new PacketGuard(max, new MqttInspector(LIMITS));
  return g.check(stream.subarray(0, cut)) ?? g.check(stream.subarray(cut));
}

describe('packet guard with the MQTT inspector', () => {
  const valid = Buffer.concat([
    connect('client-1', { will: { topic: 'will/t', payload: 'bye', qos: 1 }, username: 'user', password: 'secret', keepalive: 30 }),
    publish('a/b', { qos: 1, id: 10, payload: 'x'.repeat(300) }),
    publish('é/€/😀', { payload: '' }),
    subscribe(11, ['a/+', 1], ['#', 0]),
    unsubscribe(12, 'a/+', '#'),
    ack('puback', 1),
    ack('pubrel', 2),
    PINGREQ,
    hex('E0 00'),
  ]);

  test('accepts a valid session cut into two chunks at every byte', () => {
    for (let cut = 0; cut <= valid.length; cut++) assert.equal(scan(valid, cut), null, `cut at ${cut}`);
  });

  test('accepts a valid session fed one byte at a time', () => {
    const g = new PacketGuard(1 << 20, new MqttInspector(LIMITS));
    for (let i = 0; i < valid.length; i++) assert.equal(g.check(valid.subarray(i, i + 1)), null, `byte ${i}`);
  });

  const bad: Array<[string, Buffer, string]> = [
    ['NUL in a PUBLISH topic', Buffer.concat([connect('c'), publish(hex('610062'), { qos: 1, id: 1 })]), 'bad_topic_name'],
    ['wildcard in a PUBLISH topic', Buffer.concat([connect('c'), publish('a/+')]), 'wildcard_in_topic_name'],
    ['packet id 0', Buffer.concat([connect('c'), publish('a', { qos: 2, id: 0 })]), 'packet_id_zero'],
    ['bad will topic', connect('c', { will: { topic: 'a/#' } }), 'bad_will_topic'],
    ['bad user name', connect('c', { username: hex('61EDA080') }), 'bad_username'],
    ['bad filter', Buffer.concat([connect('c'), subscribe(1, ['ok', 0], ['a/#/b', 0])]), 'bad_topic_filter'],
    ['subscribe QoS 3', Buffer.concat([connect('c'), malformed.subscribe(1, 'ok', 3)]), 'subscribe_bad_qos'],
    ['client id over the limit', connect('x'.repeat(65)), 'client_id_too_long'],
    ['keep alive over the limit', connect('c', { keepalive: 3601 }), 'keepalive_too_long'],
    ['topic over the byte limit', Buffer.concat([connect('c'), publish('t'.repeat(201))]), 'topic_too_long'],
    ['second CONNECT', Buffer.concat([connect('c'), connect('d')]), 'second_connect'],
  ];
  for (const [what, stream, violation] of bad) {
    test(`flags ${what} as ${violation} wherever the stream is cut`, () => {
      for (let cut = 0; cut <= stream.length; cut++) assert.equal(scan(stream, cut), violation, `cut at ${cut}`);
    });
  }

  test('reports configured limits through the callback, protocol errors not', () => {
    const hits: string[] = [];
    const g = new PacketGuard(1 << 20, new MqttInspector(LIMITS, (l) => hits.push(l)));
    assert.equal(g.check(connect('x'.repeat(65))), 'client_id_too_long');
    const g2 = new PacketGuard(1 << 20, new MqttInspector(LIMITS, (l) => hits.push(l)));
    assert.equal(g2.check(Buffer.concat([connect('c'), publish('a/+')])), 'wildcard_in_topic_name');
    assert.deepEqual(hits, ['client_id_length']);
  });

  test('without an inspector the guard keeps its size and first-packet checks only', () => {
    const g = new PacketGuard(1 << 20);
    assert.equal(g.check(Buffer.concat([connect('c'), publish('a/+'), hex('F0 00')])), null);
  });
});

describe('MQTT 5 property blocks', () => {
  const block = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
  const cases: Array<[string, string, PropertyContext, string | null]> = [
    ['no properties', '', PropertyContext.Publish, null],
    [
      'every PUBLISH property once, User Property twice',
      '01 01 02 0000003C 03 0001 61 08 0001 62 09 0002 0102 23 0001 26 0001 6B 0001 76 26 0001 6B 0001 77',
      PropertyContext.Publish,
      null,
    ],
    ['a Will Delay Interval in a Will', '18 00000005', PropertyContext.Will, null],
    ['a Will Delay Interval in a PUBLISH', '18 00000005', PropertyContext.Publish, 'malformed_properties'],
    ['an unknown identifier', '7F', PropertyContext.Connect, 'malformed_properties'],
    ['a value cut short', '02 0000', PropertyContext.Publish, 'malformed_properties'],
    ['a string running past the block', '03 0005 61', PropertyContext.Publish, 'malformed_properties'],
    ['U+0000 in a string', '03 0001 00', PropertyContext.Publish, 'malformed_properties'],
    ['Session Expiry Interval twice', '11 00000001 11 00000002', PropertyContext.Connect, 'duplicate_property'],
    ['Request Problem Information 2', '17 02', PropertyContext.Connect, 'bad_property_value'],
    ['Maximum Packet Size 0', '27 00000000', PropertyContext.Connect, 'bad_property_value'],
    ['Topic Alias 0', '23 0000', PropertyContext.Publish, 'topic_alias_zero'],
    ['a Subscription Identifier in a PUBLISH', '0B 05', PropertyContext.Publish, 'publish_subscription_identifier'],
    ['a Subscription Identifier of 268435455 in a SUBSCRIBE', '0B FFFFFF7F', PropertyContext.Subscribe, null],
    ['a Subscription Identifier of 0 in a SUBSCRIBE', '0B 00', PropertyContext.Subscribe, 'bad_property_value'],
    ['a five-byte Subscription Identifier', '0B FFFFFFFF01', PropertyContext.Subscribe, 'malformed_properties'],
    ['a Reason String in an acknowledgement', '1F 0002 6F6B', PropertyContext.Ack, null],
    ['a Reason String in a SUBSCRIBE', '1F 0002 6F6B', PropertyContext.Subscribe, 'malformed_properties'],
  ];
  for (const [what, hex, context, expected] of cases) {
    test(`${what}: ${expected ?? 'accepted'}`, () => {
      const b = block(hex);
      assert.equal(checkProperties(b, 0, b.length, context), expected);
    });
  }
});
