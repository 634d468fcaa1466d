/** message.publish: rules whose FROM is an MQTT topic filter (there is no `$events/message_publish`). */
import type { AedesPublishPacket } from 'aedes';
import type { ClientInfo } from '../client-info.js';
import { messageContextOf, type EvalContext } from '../context.js';
import { emqxProps } from '../mqtt-props.js';
import { EXAMPLE_NODE, exampleClientAttrs, exampleId, exampleMessage, flagsOf, MSG_CONTEXT_FIELDS, now } from './common.js';
import type { EventDescriptor } from './types.js';

/** `client_attrs` of every live event: rulemq sets no client attributes (EMQX's default is an empty map). */
const NO_CLIENT_ATTRS: Readonly<Record<string, unknown>> = Object.freeze({});
/** `pub_props` of an MQTT 3.1.1 message. Functions never mutate a map argument, so one frozen map serves all. */
const NO_PROPS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The evaluation context of one published message: the publish hot path, one object per message
 * shared by every matching rule (messageContextOf gives it createMessageContext's key order and payload caches).
 */
export function publishContext(packet: AedesPublishPacket, clientid: string, info: ClientInfo, id: string | undefined, node: string, now: number): EvalContext {
  const props = (packet as { properties?: Record<string, unknown> }).properties;
  return messageContextOf(
    'message.publish',
    id,
    clientid,
    info.username,
    packet.payload,
    info.peerhost,
    info.peername,
    packet.topic,
    packet.qos,
    flagsOf(packet),
    props === undefined ? NO_PROPS : emqxProps(props),
    now,
    now,
    node,
    NO_CLIENT_ATTRS,
  );
}

export const messagePublish: EventDescriptor = {
  eventType: 'message_publish',
  eventName: 'message.publish',
  topic: null,
  columns: [
    'event',
    'id',
    'clientid',
    'username',
    'payload',
    'peerhost',
    'peername',
    'topic',
    'qos',
    'flags',
    'pub_props',
    'publish_received_at',
    'timestamp',
    'node',
    'client_attrs',
  ],
  allowedContextFields: ['id', ...MSG_CONTEXT_FIELDS],
  defaults: () => ({
    event: 'message.publish',
    id: exampleId(),
    clientid: 'c_emqx',
    username: 'u_emqx',
    ...exampleMessage(),
    timestamp: now(),
    node: EXAMPLE_NODE,
    client_attrs: exampleClientAttrs(),
  }),
  live: (e) => publishContext(e.message!.packet, e.clientid, e.info, e.message!.id, e.node, e.now),
};
