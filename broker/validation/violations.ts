/**
 * Protocol violations the packet inspector closes a connection for. Each code is the `reason`
 * label of `rulemq_connections_rejected_total`, so the names are stable. `spec` names the MQTT
 * 3.1.1 normative statement (or section) that requires or allows the close; `connack` is the return
 * code sent before closing when the spec asks for one.
 */
export interface ViolationSpec {
  readonly spec: string;
  readonly doc: string;
  readonly connack?: number;
}

export const VIOLATIONS = {
  second_connect: { spec: 'MQTT-3.1.0-2', doc: 'a second CONNECT on one connection' },
  server_only_packet: { spec: 'MQTT-4.8.0-1', doc: 'CONNACK, SUBACK, UNSUBACK or PINGRESP sent by a client' },
  reserved_packet_type: { spec: 'MQTT-4.8.0-1', doc: 'packet type 0 or 15 (reserved in 3.1.1)' },
  reserved_flags: { spec: 'MQTT-2.2.2-2', doc: 'fixed-header flag bits differ from the values Table 2.2 requires' },
  malformed_packet: { spec: 'MQTT-4.8.0-1', doc: 'a field runs past the Remaining Length, or bytes are left over after the last field' },
  bad_protocol_name: { spec: 'MQTT-3.1.2-1', doc: "protocol name is neither 'MQTT' nor 'MQIsdp'" },
  unsupported_protocol_level: { spec: 'MQTT-3.1.2-2', doc: 'protocol level other than 4 (MQTT) or 3 (MQIsdp)', connack: 0x01 },
  connect_reserved_flag: { spec: 'MQTT-3.1.2-3', doc: 'CONNECT reserved flag bit 0 is set' },
  will_flags_without_will: { spec: 'MQTT-3.1.2-11', doc: 'Will QoS or Will Retain set while the Will Flag is 0 ([MQTT-3.1.2-13], [MQTT-3.1.2-15])' },
  will_qos_3: { spec: 'MQTT-3.1.2-14', doc: 'Will QoS 3' },
  password_without_username: { spec: 'MQTT-3.1.2-22', doc: 'Password Flag set while the User Name Flag is 0' },
  client_id_rejected: { spec: 'MQTT-3.1.3-9', doc: 'MQTT 3.1 client id empty or longer than 23 characters', connack: 0x02 },
  client_id_too_long: { spec: 'MQTT-3.1.3-9', doc: 'client id longer than maxClientIdBytes', connack: 0x02 },
  keepalive_too_long: { spec: 'limit', doc: 'Keep Alive longer than maxKeepaliveSeconds (identifier rejected, as mosquitto answers)', connack: 0x02 },
  bad_client_id: { spec: 'MQTT-3.1.3-4', doc: 'client id is ill-formed UTF-8 or holds U+0000 or a control character' },
  bad_username: { spec: 'MQTT-3.1.3-11', doc: 'user name is ill-formed UTF-8 or holds U+0000 or a control character' },
  bad_will_topic: { spec: 'MQTT-3.1.3-10', doc: 'Will Topic is empty, ill-formed UTF-8, holds a forbidden character or a wildcard' },
  packet_id_zero: { spec: 'MQTT-2.3.1-1', doc: 'packet identifier 0 on a QoS > 0 PUBLISH, SUBSCRIBE, UNSUBSCRIBE or an acknowledgement' },
  publish_qos_3: { spec: 'MQTT-3.3.1-4', doc: 'PUBLISH with both QoS bits set' },
  publish_dup_qos0: { spec: 'MQTT-3.3.1-2', doc: 'PUBLISH with DUP set and QoS 0' },
  bad_topic_name: { spec: 'MQTT-1.5.3-1', doc: 'PUBLISH topic is empty, ill-formed UTF-8 or holds U+0000 or a control character ([MQTT-1.5.3-2], [MQTT-4.7.3-1])' },
  wildcard_in_topic_name: { spec: 'MQTT-3.3.2-2', doc: "'+' or '#' in a PUBLISH topic" },
  no_topic_filters: { spec: 'MQTT-3.8.3-3', doc: 'SUBSCRIBE or UNSUBSCRIBE without any topic filter ([MQTT-3.10.3-2])' },
  bad_topic_filter: { spec: 'MQTT-4.7.1-2', doc: 'topic filter empty, ill-formed, or with a wildcard not alone in its level ([MQTT-4.7.1-3], [MQTT-4.7.3-1])' },
  subscribe_bad_qos: { spec: 'MQTT-3.8.3-4', doc: 'requested QoS 3 or reserved bits set in a SUBSCRIBE' },
  topic_too_long: { spec: 'limit', doc: 'topic name or filter longer than maxTopicBytes' },
  topic_too_many_levels: { spec: 'limit', doc: 'topic name or filter with more levels than maxTopicLevels' },
} as const satisfies Record<string, ViolationSpec>;

export type Violation = keyof typeof VIOLATIONS;

const replies = new Map<string, Buffer>();
for (const [code, v] of Object.entries(VIOLATIONS) as Array<[string, ViolationSpec]>) {
  if (v.connack !== undefined) replies.set(code, Buffer.from([0x20, 0x02, 0x00, v.connack]));
}

/** The CONNACK to send before closing for `violation`, or null to close without a reply. */
export function violationReply(violation: string): Buffer | null {
  return replies.get(violation) ?? null;
}
