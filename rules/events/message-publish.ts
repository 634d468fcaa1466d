/** message.publish: rules whose FROM is an MQTT topic filter (there is no `$events/message_publish`). */
import { EXAMPLE_NODE, exampleClientAttrs, exampleId, exampleMessage, MSG_CONTEXT_FIELDS, now } from './common.js';
import type { EventDescriptor } from './types.js';

export const messagePublish: EventDescriptor = {
  eventType: 'message_publish',
  eventName: 'message.publish',
  topic: null,
  columns: [
    'event', 'id', 'clientid', 'username', 'payload', 'peerhost', 'peername', 'topic', 'qos', 'flags', 'pub_props',
    'publish_received_at', 'timestamp', 'node', 'client_attrs',
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
};
