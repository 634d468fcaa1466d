/** `$events/session_subscribed`: a client subscribed to a topic filter. */
import { EXAMPLE_NODE, exampleClientAttrs, exampleProps, MSG_CONTEXT_FIELDS, now } from './common.js';
import type { EventDescriptor } from './types.js';

/** Example columns shared with session_unsubscribed. */
export function subscriptionDefaults(event: string, propsKey: 'sub_props' | 'unsub_props'): Record<string, unknown> {
  return {
    event,
    [propsKey]: exampleProps(propsKey),
    client_attrs: exampleClientAttrs(),
    clientid: 'c_emqx',
    username: 'u_emqx',
    peerhost: '192.168.0.10',
    peername: '192.168.0.10:32781',
    topic: 't/a',
    qos: 1,
    timestamp: now(),
    node: EXAMPLE_NODE,
  };
}

export const sessionSubscribed: EventDescriptor = {
  eventType: 'session_subscribed',
  eventName: 'session.subscribed',
  topic: '$events/session_subscribed',
  columns: ['event', 'clientid', 'username', 'peerhost', 'peername', 'topic', 'qos', 'sub_props', 'timestamp', 'node', 'client_attrs'],
  allowedContextFields: [...MSG_CONTEXT_FIELDS],
  defaults: () => subscriptionDefaults('session.subscribed', 'sub_props'),
};
