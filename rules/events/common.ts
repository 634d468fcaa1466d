/**
 * Example values shared by the event descriptors (EMQX emqx_rule_events:columns_with_exam and
 * columns_example_props), and the types of known columns for rule_test context checks.
 */
import { randomBytes } from 'node:crypto';
import type { FieldType, LiveEvent } from './types.js';
import { emqxProps, propsOf } from '../mqtt-props.js';

/** Node name reported in the `node` column of rule_test outputs. */
export const EXAMPLE_NODE = 'rulemq@127.0.0.1';

/** A fresh message id: 32 upper-case hex digits like emqx_guid:to_hexstr/1. */
export function exampleId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function now(): number {
  return Date.now();
}

function userProps(): Record<string, unknown> {
  return { 'User-Property': { foo: 'bar' }, 'User-Property-Pairs': [{ key: 'foo' }, { value: 'bar' }] };
}

/** MQTT 5 property examples per property column. */
export function exampleProps(kind: 'pub_props' | 'puback_props' | 'conn_props' | 'disconn_props' | 'sub_props' | 'unsub_props'): Record<string, unknown> {
  switch (kind) {
    case 'pub_props':
      return { 'Payload-Format-Indicator': 0, 'Message-Expiry-Interval': 30, ...userProps() };
    case 'puback_props':
      return { 'Reason-String': 'OK', ...userProps() };
    case 'conn_props':
      return { 'Session-Expiry-Interval': 7200, 'Receive-Maximum': 32, ...userProps() };
    case 'disconn_props':
      return {
        'Session-Expiry-Interval': 7200,
        'Reason-String': 'Redirect to another server',
        'Server Reference': '192.168.22.129',
        ...userProps(),
      };
    case 'sub_props':
    case 'unsub_props':
      return userProps();
  }
}

export function exampleClientAttrs(): Record<string, unknown> {
  return { test: 'example' };
}

/** The message columns shared by publish-like events (payload, topic, qos...). */
export function exampleMessage(): Record<string, unknown> {
  return {
    payload: '{"msg": "hello"}',
    peerhost: '192.168.0.10',
    peername: '192.168.0.10:32781',
    topic: 't/a',
    qos: 1,
    flags: {},
    publish_received_at: now(),
    pub_props: exampleProps('pub_props'),
  };
}

/** rule_test context fields common to message events (EMQX msg_event_common_fields). */
export const MSG_CONTEXT_FIELDS = ['clientid', 'username', 'payload', 'peerhost', 'topic', 'publish_received_at', 'qos'] as const;

/** Types of every known column, for rule_test context checks. Unlisted columns accept any JSON value. */
export const COLUMN_TYPES: Readonly<Record<string, FieldType>> = {
  id: 'string',
  clientid: 'string',
  username: 'string',
  payload: 'string',
  peerhost: 'string',
  peername: 'string',
  sockname: 'string',
  topic: 'string',
  qos: 'qos',
  publish_received_at: 'integer',
  timestamp: 'integer',
  node: 'string',
  event: 'string',
  flags: 'map',
  pub_props: 'map',
  puback_props: 'map',
  conn_props: 'map',
  disconn_props: 'map',
  sub_props: 'map',
  unsub_props: 'map',
  client_attrs: 'map',
  metadata: 'map',
  from_clientid: 'string',
  from_username: 'string',
  reason: 'string',
  reason_code: 'string',
  mountpoint: 'string',
  proto_name: 'string',
  proto_ver: 'any',
  keepalive: 'integer',
  clean_start: 'boolean',
  expiry_interval: 'integer',
  receive_maximum: 'integer',
  is_bridge: 'boolean',
  connected_at: 'integer',
  disconnected_at: 'integer',
  action: 'string',
  authz_source: 'string',
  result: 'string',
  is_anonymous: 'boolean',
  is_superuser: 'boolean',
};

/** The columns every live client event starts with. */
export function liveClient(e: LiveEvent, event: string): Record<string, unknown> {
  return { event, clientid: e.clientid, username: e.info.username, timestamp: e.now, node: e.node };
}

/** `flags` by retain × 2 + dup: four frozen maps shared by every message (functions never mutate a map argument). */
const FLAGS: readonly Readonly<Record<string, unknown>>[] = [
  Object.freeze({ retain: false, dup: false }),
  Object.freeze({ retain: false, dup: true }),
  Object.freeze({ retain: true, dup: false }),
  Object.freeze({ retain: true, dup: true }),
];

/** A message's `flags` column, `{ retain, dup }`: one of four shared maps, so no object per message. */
export function flagsOf(packet: { retain?: boolean; dup?: boolean } | undefined): Readonly<Record<string, unknown>> {
  return FLAGS[(packet?.retain === true ? 2 : 0) + (packet?.dup === true ? 1 : 0)];
}

/** The message columns of a live message event (payload, topic, qos, flags, pub_props...). */
export function liveMessage(e: LiveEvent): Record<string, unknown> {
  const m = e.message;
  const packet = m?.packet;
  return {
    id: m?.id,
    payload: packet?.payload,
    peerhost: e.info.peerhost,
    peername: e.info.peername,
    topic: packet?.topic,
    qos: packet?.qos,
    flags: flagsOf(packet),
    pub_props: emqxProps(propsOf(packet)),
    publish_received_at: e.now,
  };
}

/** The connection columns of client events' examples: peername, sockname, proto_name, proto_ver. */
export function exampleConnection(): Record<string, unknown> {
  return { peername: '192.168.0.10:56431', sockname: '0.0.0.0:1883', proto_name: 'MQTT', proto_ver: 5 };
}

/** The same columns of a live client event. */
export function liveConnection(e: LiveEvent): Record<string, unknown> {
  return { peername: e.info.peername, sockname: e.info.sockname, proto_name: e.info.protoName, proto_ver: e.info.protoVer };
}
