/**
 * MQTT reason codes as EMQX names them in rule columns (emqx_reason_codes:name/2): the
 * `reason_code` of client.connack and the `reason` of client.disconnected.
 */

/** MQTT 3.1.1 CONNACK return codes (0–5). */
const CONNACK_V3 = [
  'success',
  'unsupported_protocol_version',
  'client_identifier_not_valid',
  'server_unavailable',
  'bad_username_or_password',
  'not_authorized',
];

/** MQTT 5 reason codes (spec 2.4), snake_case as EMQX prints them. */
const V5: Readonly<Record<number, string>> = {
  0x00: 'success',
  0x04: 'disconnect_with_will_message',
  0x80: 'unspecified_error',
  0x81: 'malformed_packet',
  0x82: 'protocol_error',
  0x83: 'implementation_specific_error',
  0x84: 'unsupported_protocol_version',
  0x85: 'client_identifier_not_valid',
  0x86: 'bad_username_or_password',
  0x87: 'not_authorized',
  0x88: 'server_unavailable',
  0x89: 'server_busy',
  0x8a: 'banned',
  0x8b: 'server_shutting_down',
  0x8c: 'bad_authentication_method',
  0x8d: 'keepalive_timeout',
  0x8e: 'session_taken_over',
  0x8f: 'topic_filter_invalid',
  0x90: 'topic_name_invalid',
  0x93: 'receive_maximum_exceeded',
  0x94: 'topic_alias_invalid',
  0x95: 'packet_too_large',
  0x96: 'message_rate_too_high',
  0x97: 'quota_exceeded',
  0x98: 'administrative_action',
  0x99: 'payload_format_invalid',
  0x9a: 'retain_not_supported',
  0x9b: 'qos_not_supported',
  0x9c: 'use_another_server',
  0x9d: 'server_moved',
  0x9e: 'shared_subscriptions_not_supported',
  0x9f: 'connection_rate_exceeded',
  0xa0: 'maximum_connect_time',
  0xa1: 'subscription_identifiers_not_supported',
  0xa2: 'wildcard_subscriptions_not_supported',
};

/** The `reason_code` of a CONNACK sent with protocol version `protoVer`. */
export function connackReason(code: number, protoVer: number): string {
  const name = protoVer === 5 ? V5[code] : CONNACK_V3[code];
  return name ?? String(code);
}

/** The `reason` of a client's MQTT 5 DISCONNECT: 0x00 is `normal`, as in emqx_channel:disconnect_reason/1. */
export function disconnectReason(code: number): string {
  return code === 0 ? 'normal' : (V5[code] ?? String(code));
}
