/** `$events/session_unsubscribed`: a client unsubscribed from a topic filter. */
import { MSG_CONTEXT_FIELDS } from './common.js';
import { subscriptionDefaults, subscriptionLive } from './session-subscribed.js';
import type { EventDescriptor } from './types.js';

export const sessionUnsubscribed: EventDescriptor = {
  eventType: 'session_unsubscribed',
  eventName: 'session.unsubscribed',
  topic: '$events/session_unsubscribed',
  columns: ['event', 'clientid', 'username', 'peerhost', 'peername', 'topic', 'qos', 'unsub_props', 'timestamp', 'node', 'client_attrs'],
  allowedContextFields: [...MSG_CONTEXT_FIELDS],
  defaults: () => subscriptionDefaults('session.unsubscribed', 'unsub_props'),
  live: (e) => subscriptionLive(e, 'session.unsubscribed', 'unsub_props'),
};
