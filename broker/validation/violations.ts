/**
 * Protocol violations the packet inspector closes a connection for. Each code is the `reason`
 * label of `rulemq_connections_rejected_total`, so the names are stable. `spec` names the MQTT
 * normative statement (or section) that requires or allows the close; `connack` is the MQTT 3.1.1
 * return code sent before closing when the spec asks for one; `v5` is the MQTT 5 reason code an
 * MQTT 5 client is told, in a CONNACK while its CONNECT is being read, in a DISCONNECT after it
 * [MQTT-4.13.1-1] (§4.13).
 */
export interface ViolationSpec {
  readonly spec: string;
  readonly doc: string;
  readonly connack?: number;
  readonly v5: number;
}

export const VIOLATIONS = {
  second_connect: { spec: 'MQTT-3.1.0-2', doc: 'a second CONNECT on one connection', v5: 0x82 },
  server_only_packet: { spec: 'MQTT-4.8.0-1', doc: 'CONNACK, SUBACK, UNSUBACK or PINGRESP sent by a client', v5: 0x82 },
  reserved_packet_type: { spec: 'MQTT-4.8.0-1', doc: 'packet type 0 or 15 (reserved in 3.1.1)', v5: 0x81 },
  reserved_flags: { spec: 'MQTT-2.2.2-2', doc: 'fixed-header flag bits differ from the values Table 2.2 requires', v5: 0x81 },
  malformed_packet: { spec: 'MQTT-4.8.0-1', doc: 'a field runs past the Remaining Length, or bytes are left over after the last field', v5: 0x81 },
  bad_protocol_name: { spec: 'MQTT-3.1.2-1', doc: "protocol name is neither 'MQTT' nor 'MQIsdp'", v5: 0x81 },
  unsupported_protocol_level: { spec: 'MQTT-3.1.2-2', doc: 'protocol level other than 4 (MQTT) or 3 (MQIsdp)', connack: 0x01, v5: 0x84 },
  connect_reserved_flag: { spec: 'MQTT-3.1.2-3', doc: 'CONNECT reserved flag bit 0 is set', v5: 0x81 },
  will_flags_without_will: { spec: 'MQTT-3.1.2-11', doc: 'Will QoS or Will Retain set while the Will Flag is 0 ([MQTT-3.1.2-13], [MQTT-3.1.2-15])', v5: 0x81 },
  will_qos_3: { spec: 'MQTT-3.1.2-14', doc: 'Will QoS 3', v5: 0x81 },
  password_without_username: { spec: 'MQTT-3.1.2-22', doc: 'Password Flag set while the User Name Flag is 0', v5: 0x81 },
  client_id_rejected: { spec: 'MQTT-3.1.3-9', doc: 'MQTT 3.1 client id empty or longer than 23 characters', connack: 0x02, v5: 0x85 },
  client_id_too_long: { spec: 'MQTT-3.1.3-9', doc: 'client id longer than maxClientIdBytes', connack: 0x02, v5: 0x85 },
  keepalive_too_long: { spec: 'limit', doc: 'Keep Alive longer than maxKeepaliveSeconds (identifier rejected, as mosquitto answers)', connack: 0x02, v5: 0x85 },
  bad_client_id: { spec: 'MQTT-3.1.3-4', doc: 'client id is ill-formed UTF-8 or holds U+0000 or a control character', v5: 0x85 },
  bad_username: { spec: 'MQTT-3.1.3-11', doc: 'user name is ill-formed UTF-8 or holds U+0000 or a control character', v5: 0x81 },
  bad_will_topic: { spec: 'MQTT-3.1.3-10', doc: 'Will Topic is empty, ill-formed UTF-8, holds a forbidden character or a wildcard', v5: 0x90 },
  packet_id_zero: { spec: 'MQTT-2.3.1-1', doc: 'packet identifier 0 on a QoS > 0 PUBLISH, SUBSCRIBE, UNSUBSCRIBE or an acknowledgement', v5: 0x82 },
  publish_qos_3: { spec: 'MQTT-3.3.1-4', doc: 'PUBLISH with both QoS bits set', v5: 0x81 },
  publish_dup_qos0: { spec: 'MQTT-3.3.1-2', doc: 'PUBLISH with DUP set and QoS 0', v5: 0x81 },
  bad_topic_name: {
    spec: 'MQTT-1.5.3-1',
    doc: 'PUBLISH topic is empty, ill-formed UTF-8 or holds U+0000 or a control character ([MQTT-1.5.3-2], [MQTT-4.7.3-1])',
    v5: 0x90,
  },
  wildcard_in_topic_name: { spec: 'MQTT-3.3.2-2', doc: "'+' or '#' in a PUBLISH topic", v5: 0x90 },
  no_topic_filters: { spec: 'MQTT-3.8.3-3', doc: 'SUBSCRIBE or UNSUBSCRIBE without any topic filter ([MQTT-3.10.3-2])', v5: 0x82 },
  bad_topic_filter: {
    spec: 'MQTT-4.7.1-2',
    doc: 'topic filter empty, ill-formed, or with a wildcard not alone in its level ([MQTT-4.7.1-3], [MQTT-4.7.3-1])',
    v5: 0x8f,
  },
  subscribe_bad_qos: { spec: 'MQTT-3.8.3-4', doc: 'requested QoS 3 or reserved bits set in a SUBSCRIBE', v5: 0x81 },
  shared_no_local: { spec: 'MQTT-3.8.3-4', doc: 'MQTT 5 SUBSCRIBE with No Local set on a shared subscription (a Protocol Error)', v5: 0x82 },
  topic_too_long: { spec: 'limit', doc: 'topic name or filter longer than maxTopicBytes', v5: 0x90 },
  topic_too_many_levels: { spec: 'limit', doc: 'topic name or filter with more levels than maxTopicLevels', v5: 0x90 },
  malformed_properties: {
    spec: 'MQTT-2.2.2',
    doc: 'MQTT 5 properties: length past the packet, ill-formed value, or an identifier unknown or not allowed in this packet (§2.2.2.2)',
    v5: 0x81,
  },
  duplicate_property: { spec: 'MQTT-2.2.2', doc: 'MQTT 5 property other than User Property included twice (§2.2.2.2)', v5: 0x82 },
  bad_property_value: {
    spec: 'MQTT-3.1.2',
    doc: 'MQTT 5 property value the spec calls a Protocol Error (Receive Maximum 0, Maximum Packet Size 0, Subscription Identifier 0, a 0/1 flag set to another value)',
    v5: 0x82,
  },
  topic_alias_zero: { spec: 'MQTT-3.3.2-8', doc: 'MQTT 5 PUBLISH with Topic Alias 0', v5: 0x94 },
  topic_alias_invalid: { spec: 'MQTT-3.3.2-9', doc: 'MQTT 5 PUBLISH with a Topic Alias above topicAliasMaximum', v5: 0x94 },
  publish_subscription_identifier: { spec: 'MQTT-3.3.4-6', doc: 'MQTT 5 PUBLISH from a client carrying a Subscription Identifier', v5: 0x82 },
  unexpected_auth: { spec: 'MQTT-4.12.0-1', doc: 'MQTT 5 AUTH without enhanced authentication (an Authentication Method is refused at CONNECT)', v5: 0x82 },
  packet_too_large: { spec: 'MQTT-3.2.2-15', doc: 'a packet larger than maxPacketBytes (the packet guard, before the inspector)', v5: 0x95 },
  incomplete_packets_budget: { spec: 'limit', doc: 'unfinished packets of all connections past maxIncompletePacketBytes (the packet guard)', v5: 0x97 },
} as const satisfies Record<string, ViolationSpec>;

export type Violation = keyof typeof VIOLATIONS;

const replies = new Map<string, Buffer>();
const connacks5 = new Map<string, Buffer>();
const disconnects5 = new Map<string, Buffer>();
for (const [code, v] of Object.entries(VIOLATIONS) as Array<[string, ViolationSpec]>) {
  if (v.connack !== undefined) replies.set(code, Buffer.from([0x20, 0x02, 0x00, v.connack]));
  // CONNACK: no session present, reason code, no properties (§3.2.2). DISCONNECT: reason code, no properties (§3.14.2).
  connacks5.set(code, Buffer.from([0x20, 0x03, 0x00, v.v5, 0x00]));
  disconnects5.set(code, Buffer.from([0xe0, 0x02, v.v5, 0x00]));
}

/**
 * What to send before closing for `violation`, or null to close without a reply. `protocolLevel`
 * is the CONNECT's level (0 while unknown) and `connectDone` whether the CONNECT was read whole.
 * An MQTT 5 client always learns the reason [MQTT-4.13.1-1]; a 3.1.1 client only where its CONNACK
 * has a code for it.
 */
export function violationReply(violation: string, protocolLevel = 0, connectDone = false): Buffer | null {
  if (protocolLevel === 5) return (connectDone ? disconnects5 : connacks5).get(violation) ?? null;
  if (connectDone) return null;
  return replies.get(violation) ?? null;
}

/** The protocol level of a CONNECT at the start of `chunk` (0 when the chunk holds no whole CONNECT header). */
export function connectLevelOf(chunk: Uint8Array): number {
  if (chunk.length < 2 || chunk[0] !== 0x10) return 0;
  let i = 1;
  while (i < chunk.length && i < 5 && chunk[i] & 0x80) i++; // the Remaining Length
  i++;
  if (i + 2 > chunk.length) return 0;
  const nameLen = (chunk[i] << 8) | chunk[i + 1];
  const at = i + 2 + nameLen;
  return at < chunk.length ? chunk[at] & 0x7f : 0;
}
