import type { PacketInspector } from '../listeners/packet-guard.js';
import { StringFault, checkString } from './utf8.js';
import { TopicFault, checkTopic, isShareFilter } from './topic.js';
import type { Violation } from './violations.js';
import { PropertyContext, checkProperties, propertyInfo } from './properties.js';

export interface InspectorLimits {
  /** Longest client id accepted, in bytes (CONNACK 0x02 beyond). */
  readonly maxClientIdBytes: number;
  /** Longest topic name or filter, in bytes (the connection is closed beyond). */
  readonly maxTopicBytes: number;
  /** Most levels in a topic name or filter (Aedes' matcher throws past 100). */
  readonly maxTopicLevels: number;
  /** Longest Keep Alive accepted from MQTT 3.1/3.1.1 clients, in seconds (CONNACK 0x02 beyond, as mosquitto's max_keepalive). */
  readonly maxKeepaliveSeconds: number;
  /** Highest Topic Alias an MQTT 5 client may use (DISCONNECT 0x94 beyond) [MQTT-3.3.2-9]. */
  readonly topicAliasMaximum: number;
}

/** Called when a configured limit (not a protocol rule) refuses a packet: client_id_length, keepalive, topic_length, topic_levels. */
export type LimitHit = (limit: string) => void;

const enum Step {
  ConnectNameLen,
  ConnectName,
  ClientIdLen,
  ClientId,
  WillTopicLen,
  WillTopic,
  WillPayloadLen,
  UserLen,
  User,
  PasswordLen,
  TopicLen,
  Topic,
  SubscribeId,
  FilterLen,
  Filter,
  AckId,
  /** MQTT 5: one byte of a property block's length (a Variable Byte Integer). */
  PropLen,
  /** MQTT 5: the property block itself. */
  Props,
  /** MQTT 5: the reason code of an acknowledgement, DISCONNECT or AUTH. */
  Reason,
}

const enum ConnectFlag {
  Reserved = 0x01,
  Will = 0x04,
  WillQos = 0x18,
  WillRetain = 0x20,
  Password = 0x40,
  User = 0x80,
}

type Result = number | Violation;

/**
 * Checks every packet a client sends against the MQTT 3.1.1 rules Aedes and mqtt-packet skip
 * (mosquitto's packet-sequence corpus is the reference), on raw bytes, one field at a time. It
 * runs inside the PacketGuard: `header()` sees each fixed header, `segment()` each field it asks
 * for (in place when the field lies in one chunk), and payloads are skipped without being read.
 * One instance per connection.
 */
export class MqttInspector implements PacketInspector {
  skip = 0;
  private seenConnect = false;
  private level = 0;
  private type = 0;
  private qos = 0;
  private step = Step.AckId;
  private left = 0; // body bytes not yet asked for
  private strLen = 0;
  private connectFlags = 0;
  private propContext = PropertyContext.Connect;
  private propLen = 0;
  private propMul = 1;
  private propBytes = 0;
  private emptyTopic = false;
  /** The CONNECT has been read to its end (violations after it get DISCONNECT, not CONNACK, in MQTT 5). */
  connectDone = false;

  /** Protocol level of the CONNECT (3, 4 or 5), 0 until it has been read. */
  get protocolLevel(): number {
    return this.seenConnect ? this.level : 0;
  }

  constructor(
    private readonly limits: InspectorLimits,
    private readonly onLimit?: LimitHit,
  ) {}

  header(byte0: number, bodyLength: number): Result {
    const type = byte0 >> 4;
    const flags = byte0 & 0x0f;
    this.type = type;
    this.left = bodyLength;
    switch (type) {
      case 1: // CONNECT
        if (this.seenConnect) return 'second_connect'; // [MQTT-3.1.0-2]
        if (flags !== 0) return 'reserved_flags'; // [MQTT-2.2.2-2]
        this.seenConnect = true;
        this.step = Step.ConnectNameLen;
        return this.need(2);
      case 3: {
        // PUBLISH
        const qos = (flags >> 1) & 3;
        if (qos === 3) return 'publish_qos_3'; // [MQTT-3.3.1-4]
        if (qos === 0 && (flags & 0x08) !== 0) return 'publish_dup_qos0'; // [MQTT-3.3.1-2]
        this.qos = qos;
        this.step = Step.TopicLen;
        return this.need(2);
      }
      case 4: // PUBACK
      case 5: // PUBREC
      case 7: // PUBCOMP
      case 6: // PUBREL
        if (flags !== (type === 6 ? 2 : 0)) return 'reserved_flags'; // [MQTT-3.6.1-1] [MQTT-2.2.2-2]
        // Remaining Length is 2 (§3.4.1, §3.5.1, §3.6.1, §3.7.1); MQTT 5 may add a reason code and properties (§3.4.2.1).
        if (this.level === 5 ? bodyLength < 2 : bodyLength !== 2) return 'malformed_packet';
        this.step = Step.AckId;
        return this.need(2);
      case 8: // SUBSCRIBE
      case 10: // UNSUBSCRIBE
        if (flags !== 2) return 'reserved_flags'; // [MQTT-3.8.1-1] [MQTT-3.10.1-1]
        this.step = Step.SubscribeId;
        return this.need(2);
      case 12: // PINGREQ
      case 14: // DISCONNECT
        if (flags !== 0) return 'reserved_flags'; // [MQTT-3.14.1-1] [MQTT-2.2.2-2]
        if (type === 14 && this.level === 5 && bodyLength > 0) {
          // MQTT 5: a reason code, then properties when the Remaining Length is over 1 (§3.14.2.1, §3.14.2.2).
          this.step = Step.Reason;
          return this.need(1);
        }
        if (bodyLength !== 0) return 'malformed_packet'; // Remaining Length is 0 (§3.12.1, §3.14.1)
        return 0;
      case 15: // AUTH (MQTT 5)
        // Only after a CONNECT carrying an Authentication Method, which is refused with 0x8C: any AUTH is a Protocol Error [MQTT-4.12.0-1].
        if (this.level === 5) return 'unexpected_auth';
        return 'reserved_packet_type';
      case 2: // CONNACK
      case 9: // SUBACK
      case 11: // UNSUBACK
      case 13: // PINGRESP
        return 'server_only_packet'; // [MQTT-4.8.0-1]
      default:
        return 'reserved_packet_type'; // 0 and 15 are reserved (Table 2.1) [MQTT-4.8.0-1]
    }
  }

  segment(buf: Uint8Array, s: number, len: number): Result {
    switch (this.step) {
      case Step.ConnectNameLen: {
        const nameLen = u16(buf, s);
        if (nameLen !== 4 && nameLen !== 6) return 'bad_protocol_name'; // [MQTT-3.1.2-1]
        this.strLen = nameLen;
        this.step = Step.ConnectName;
        return this.need(nameLen + 4); // name, level, flags, keep alive
      }
      case Step.ConnectName:
        return this.connectHeader(buf, s);
      case Step.ClientIdLen: {
        const n = u16(buf, s);
        if (n > this.limits.maxClientIdBytes) return this.limit('client_id_length', 'client_id_too_long');
        if (this.level === 3 && (n === 0 || n > 23)) return 'client_id_rejected'; // MQTT 3.1: 1 to 23 characters
        if (n === 0) return this.afterClientId();
        this.step = Step.ClientId;
        return this.need(n);
      }
      case Step.ClientId:
        if (checkString(buf, s, s + len) !== StringFault.None) return 'bad_client_id'; // [MQTT-3.1.3-4] [MQTT-1.5.3-1] [MQTT-1.5.3-2]
        return this.afterClientId();
      case Step.WillTopicLen: {
        const n = u16(buf, s);
        if (n === 0) return 'bad_will_topic'; // [MQTT-4.7.3-1]
        this.step = Step.WillTopic;
        return this.need(n);
      }
      case Step.WillTopic: {
        const fault = checkTopic(buf, s, s + len, false, this.limits.maxTopicLevels, this.limits.maxTopicBytes);
        if (fault !== TopicFault.None) return this.topicFault(fault, 'bad_will_topic'); // [MQTT-3.1.3-10] [MQTT-3.3.2-2]
        this.step = Step.WillPayloadLen;
        return this.need(2);
      }
      case Step.WillPayloadLen: {
        const skipped = this.skipBytes(u16(buf, s)); // the Will Message is binary: not read
        if (skipped !== 0) return skipped;
        return this.afterWill();
      }
      case Step.UserLen: {
        const n = u16(buf, s);
        if (n === 0) return this.afterUser();
        this.step = Step.User;
        return this.need(n);
      }
      case Step.User:
        if (checkString(buf, s, s + len) !== StringFault.None) return 'bad_username'; // [MQTT-3.1.3-11] [MQTT-1.5.3-1]
        return this.afterUser();
      case Step.PasswordLen: {
        const skipped = this.skipBytes(u16(buf, s)); // binary data: never read here
        if (skipped !== 0) return skipped;
        return this.endOfPacket();
      }
      case Step.TopicLen: {
        const n = u16(buf, s);
        // MQTT 5: an empty topic is allowed when a Topic Alias names it (§3.3.2.1), checked after the properties.
        if (n === 0 && this.level !== 5) return 'bad_topic_name'; // [MQTT-4.7.3-1]
        this.emptyTopic = n === 0;
        this.strLen = n;
        if (n === 0 && this.qos === 0) return this.properties(PropertyContext.Publish); // nothing to read before them
        this.step = Step.Topic;
        return this.need(this.qos > 0 ? n + 2 : n);
      }
      case Step.Topic: {
        const end = s + this.strLen;
        if (this.strLen > 0) {
          const fault = checkTopic(buf, s, end, false, this.limits.maxTopicLevels, this.limits.maxTopicBytes);
          if (fault !== TopicFault.None) return this.topicFault(fault, fault === TopicFault.WildcardInName ? 'wildcard_in_topic_name' : 'bad_topic_name'); // [MQTT-3.3.2-2] [MQTT-1.5.3-1] [MQTT-1.5.3-2]
        }
        if (this.qos > 0 && u16(buf, end) === 0) return 'packet_id_zero'; // [MQTT-2.3.1-1]
        if (this.level === 5) return this.properties(PropertyContext.Publish);
        return 0; // the payload is skipped
      }
      case Step.SubscribeId:
        if (u16(buf, s) === 0) return 'packet_id_zero'; // [MQTT-2.3.1-1]
        if (this.level === 5) return this.properties(this.type === 8 ? PropertyContext.Subscribe : PropertyContext.Unsubscribe);
        return this.firstFilter();
      case Step.PropLen: {
        // One byte of the length's Variable Byte Integer per call: it is 1 to 4 bytes (§1.5.5).
        const b = buf[s];
        this.propLen += (b & 0x7f) * this.propMul;
        this.propMul *= 128;
        this.propBytes++;
        if (b & 0x80) {
          if (this.propBytes === 4) return 'malformed_properties'; // [MQTT-1.5.5-1]
          return this.need(1);
        }
        if (this.propLen === 0) return this.afterProperties();
        this.step = Step.Props;
        return this.need(this.propLen);
      }
      case Step.Props: {
        const fault = checkProperties(buf, s, s + len, this.propContext);
        if (fault !== null) return fault;
        if (this.propContext === PropertyContext.Publish && propertyInfo.topicAlias > this.limits.topicAliasMaximum) return 'topic_alias_invalid'; // [MQTT-3.3.2-9]
        return this.afterProperties();
      }
      case Step.Reason:
        if (this.left === 0) return 0; // no properties: the Property Length may be left out (§3.4.2.2.1, §3.14.2.2.1)
        return this.properties(this.type === 14 ? PropertyContext.Disconnect : this.type === 15 ? PropertyContext.Auth : PropertyContext.Ack);
      case Step.FilterLen: {
        const n = u16(buf, s);
        if (n === 0) return 'bad_topic_filter'; // [MQTT-4.7.3-1]
        this.strLen = n;
        this.step = Step.Filter;
        return this.need(this.type === 8 ? n + 1 : n); // SUBSCRIBE adds the requested QoS byte
      }
      case Step.Filter: {
        const end = s + this.strLen;
        const fault = checkTopic(buf, s, end, true, this.limits.maxTopicLevels, this.limits.maxTopicBytes);
        // A misplaced wildcard in a shared subscription fails that subscription only: SUBACK 0x80, MQTT 5 0x8F [MQTT-4.8.2-2].
        const shareRefusal = fault === TopicFault.BadWildcard && this.type === 8 && isShareFilter(buf, s, end);
        if (fault !== TopicFault.None && !shareRefusal) return this.topicFault(fault, 'bad_topic_filter'); // [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-1.5.3-1]
        if (this.type === 8 && this.level === 5) {
          // Subscription Options: QoS 0..2, No Local, Retain As Published, Retain Handling 0..2, bits 6-7 zero [MQTT-3.8.3-5].
          const o = buf[end];
          if ((o & 0xc0) !== 0 || (o & 3) === 3 || (o & 0x30) === 0x30) return 'subscribe_bad_qos';
          if ((o & 0x04) !== 0 && isShareFilter(buf, s, end)) return 'shared_no_local'; // [MQTT-3.8.3-4]
        } else if (this.type === 8 && buf[end] > 2) return 'subscribe_bad_qos'; // reserved bits 0, QoS 0..2 [MQTT-3.8.3-4]
        if (this.left === 0) return 0;
        this.step = Step.FilterLen;
        return this.need(2);
      }
      case Step.AckId:
        if (u16(buf, s) === 0) return 'packet_id_zero'; // [MQTT-2.3.1-1]
        if (this.left === 0) return 0;
        this.step = Step.Reason; // MQTT 5: reason code, then properties (§3.4.2.1)
        return this.need(1);
      default: {
        const never: never = this.step;
        return never;
      }
    }
  }

  /** Protocol name, level, connect flags and keep alive (one segment). */
  private connectHeader(buf: Uint8Array, s: number): Result {
    const n = this.strLen;
    const isMqtt = n === 4 && buf[s] === 0x4d && buf[s + 1] === 0x51 && buf[s + 2] === 0x54 && buf[s + 3] === 0x54; // "MQTT"
    const isMqisdp =
      n === 6 && buf[s] === 0x4d && buf[s + 1] === 0x51 && buf[s + 2] === 0x49 && buf[s + 3] === 0x73 && buf[s + 4] === 0x64 && buf[s + 5] === 0x70; // "MQIsdp"
    if (!isMqtt && !isMqisdp) return 'bad_protocol_name'; // [MQTT-3.1.2-1]
    // Bit 7 marks a bridge (mosquitto's try_private); mqtt-packet strips it too.
    const level = buf[s + n] & 0x7f;
    if (isMqtt ? level !== 4 && level !== 5 : level !== 3) return 'unsupported_protocol_level'; // CONNACK 0x01 then close [MQTT-3.1.2-2]
    this.level = level;
    const flags = buf[s + n + 1];
    this.connectFlags = flags;
    if (flags & ConnectFlag.Reserved) return 'connect_reserved_flag'; // [MQTT-3.1.2-3]
    if ((flags & ConnectFlag.Will) === 0 && (flags & (ConnectFlag.WillQos | ConnectFlag.WillRetain)) !== 0) return 'will_flags_without_will'; // [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]
    if ((flags & ConnectFlag.WillQos) === ConnectFlag.WillQos) return 'will_qos_3'; // [MQTT-3.1.2-14]
    if ((flags & ConnectFlag.User) === 0 && (flags & ConnectFlag.Password) !== 0) return 'password_without_username'; // [MQTT-3.1.2-22]
    // MQTT 5 clients are given a Server Keep Alive instead (broker/mqtt5/keepalive.ts).
    if (level !== 5 && u16(buf, s + n + 2) > this.limits.maxKeepaliveSeconds) return this.limit('keepalive', 'keepalive_too_long');
    if (level === 5) return this.properties(PropertyContext.Connect);
    this.step = Step.ClientIdLen;
    return this.need(2);
  }

  /** Reads a property block (MQTT 5), then continues where `propContext` says. */
  private properties(context: PropertyContext): Result {
    this.propContext = context;
    this.propLen = 0;
    this.propMul = 1;
    this.propBytes = 0;
    this.step = Step.PropLen;
    return this.need(1);
  }

  private afterProperties(): Result {
    switch (this.propContext) {
      case PropertyContext.Connect:
        this.step = Step.ClientIdLen;
        return this.need(2);
      case PropertyContext.Will:
        this.step = Step.WillTopicLen;
        return this.need(2);
      case PropertyContext.Publish:
        // An empty topic needs a Topic Alias to name it [MQTT-3.3.2-8] (§3.3.2.1).
        if (this.emptyTopic && (this.propLen === 0 || propertyInfo.topicAlias === 0)) return 'bad_topic_name';
        return 0; // the payload is skipped
      case PropertyContext.Subscribe:
      case PropertyContext.Unsubscribe:
        return this.firstFilter();
      case PropertyContext.Ack:
      case PropertyContext.Disconnect:
      case PropertyContext.Auth:
        return this.endOfPacket();
      default: {
        const never: never = this.propContext;
        return never;
      }
    }
  }

  private firstFilter(): Result {
    if (this.left === 0) return 'no_topic_filters'; // [MQTT-3.8.3-3] [MQTT-3.10.3-2]
    this.step = Step.FilterLen;
    return this.need(2);
  }

  private afterClientId(): Result {
    if ((this.connectFlags & ConnectFlag.Will) === 0) return this.afterWill();
    // Will Flag set: (MQTT 5: Will Properties,) Will Topic and Will Message must follow [MQTT-3.1.2-9]
    if (this.level === 5) return this.properties(PropertyContext.Will);
    this.step = Step.WillTopicLen;
    return this.need(2);
  }

  private afterWill(): Result {
    if ((this.connectFlags & ConnectFlag.User) === 0) return this.afterUser();
    this.step = Step.UserLen; // [MQTT-3.1.2-19]
    return this.need(2);
  }

  private afterUser(): Result {
    if ((this.connectFlags & ConnectFlag.Password) === 0) return this.endOfPacket();
    this.step = Step.PasswordLen; // [MQTT-3.1.2-21]
    return this.need(2);
  }

  /** A user name or password present without its flag leaves bytes over [MQTT-3.1.2-18] [MQTT-3.1.2-20]. */
  private endOfPacket(): Result {
    if (this.type === 1) this.connectDone = true;
    return this.left === 0 ? 0 : 'malformed_packet';
  }

  private need(n: number): Result {
    if (n > this.left) return 'malformed_packet'; // the field runs past the Remaining Length
    this.left -= n;
    return n;
  }

  private skipBytes(n: number): 0 | Violation {
    if (n > this.left) return 'malformed_packet';
    this.left -= n;
    this.skip += n;
    return 0;
  }

  private limit(name: string, violation: Violation): Violation {
    this.onLimit?.(name);
    return violation;
  }

  private topicFault(fault: TopicFault, otherwise: Violation): Violation {
    if (fault === TopicFault.TooLong) return this.limit('topic_length', 'topic_too_long');
    if (fault === TopicFault.TooManyLevels) return this.limit('topic_levels', 'topic_too_many_levels');
    return otherwise;
  }
}

function u16(buf: Uint8Array, i: number): number {
  return (buf[i] << 8) | buf[i + 1];
}
