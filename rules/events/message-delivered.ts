/** `$events/message_delivered`: a message was delivered to a subscriber (clientid/username are the receiver's). */
import { EXAMPLE_NODE, exampleId, exampleMessage, liveClient, liveMessage, MSG_CONTEXT_FIELDS, now } from './common.js';
import type { EventDescriptor, LiveEvent } from './types.js';

/** Example columns shared with message_acked. */
export function deliveredDefaults(event: string): Record<string, unknown> {
  return {
    event,
    id: exampleId(),
    from_clientid: 'c_emqx_1',
    from_username: 'u_emqx_1',
    clientid: 'c_emqx_2',
    username: 'u_emqx_2',
    ...exampleMessage(),
    timestamp: now(),
    node: EXAMPLE_NODE,
  };
}

export const DELIVERED_COLUMNS = [
  'event',
  'id',
  'from_clientid',
  'from_username',
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
] as const;

/** Live columns shared with message_acked and delivery_dropped: `clientid`/`username` are the receiver's. */
export function deliveredLive(e: LiveEvent, event: string): Record<string, unknown> {
  const packet = e.message?.packet as { clientId?: string } | undefined;
  return { ...liveClient(e, event), from_clientid: packet?.clientId ?? '', from_username: e.message?.fromUsername, ...liveMessage(e) };
}

export const messageDelivered: EventDescriptor = {
  eventType: 'message_delivered',
  eventName: 'message.delivered',
  topic: '$events/message_delivered',
  columns: DELIVERED_COLUMNS,
  allowedContextFields: ['id', 'from_clientid', 'from_username', ...MSG_CONTEXT_FIELDS],
  defaults: () => deliveredDefaults('message.delivered'),
  live: (e) => deliveredLive(e, 'message.delivered'),
};
