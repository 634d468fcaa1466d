/** `$events/message_dropped`: a published message was dropped (no_subscribers, receive_maximum_exceeded...). */
import { EXAMPLE_NODE, exampleId, exampleMessage, liveClient, liveMessage, MSG_CONTEXT_FIELDS, now } from './common.js';
import { atom } from '../functions/atom.js';
import type { EventDescriptor } from './types.js';

export const messageDropped: EventDescriptor = {
  eventType: 'message_dropped',
  eventName: 'message.dropped',
  topic: '$events/message_dropped',
  columns: [
    'event',
    'id',
    'reason',
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
  ],
  allowedContextFields: ['id', 'reason', ...MSG_CONTEXT_FIELDS],
  defaults: () => ({
    event: 'message.dropped',
    id: exampleId(),
    reason: atom('no_subscribers'), // an atom in EMQX's example columns (emqx_rule_events:columns_with_exam/1)
    clientid: 'c_emqx',
    username: 'u_emqx',
    ...exampleMessage(),
    timestamp: now(),
    node: EXAMPLE_NODE,
  }),
  live: (e) => ({ ...liveClient(e, 'message.dropped'), ...liveMessage(e), reason: e.reason }),
};
