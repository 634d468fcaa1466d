/**
 * Registry of rule event sources: one descriptor per event (see types.ts). Lookup by event type
 * (`client_connected`), by `$events/...` topic, or by dotted name (`client.connected`).
 */
import { clientCheckAuthnComplete } from './client-check-authn-complete.js';
import { clientCheckAuthzComplete } from './client-check-authz-complete.js';
import { clientConnack } from './client-connack.js';
import { clientConnected } from './client-connected.js';
import { clientDisconnected } from './client-disconnected.js';
import { deliveryDropped } from './delivery-dropped.js';
import { messageAcked } from './message-acked.js';
import { messageDelivered } from './message-delivered.js';
import { messageDropped } from './message-dropped.js';
import { messagePublish } from './message-publish.js';
import { sessionSubscribed } from './session-subscribed.js';
import { sessionUnsubscribed } from './session-unsubscribed.js';
import type { EventDescriptor } from './types.js';

export type { EventDescriptor, FieldType } from './types.js';
export { COLUMN_TYPES } from './common.js';

/** Every supported event, message_publish first. */
export const EVENTS: readonly EventDescriptor[] = Object.freeze([
  messagePublish,
  messageDelivered,
  messageAcked,
  messageDropped,
  deliveryDropped,
  clientConnected,
  clientDisconnected,
  clientConnack,
  clientCheckAuthzComplete,
  clientCheckAuthnComplete,
  sessionSubscribed,
  sessionUnsubscribed,
]);

const byType = new Map(EVENTS.map((e) => [e.eventType, e]));
const byTopic = new Map(EVENTS.filter((e) => e.topic !== null).map((e) => [e.topic as string, e]));
const byName = new Map(EVENTS.map((e) => [e.eventName, e]));

/** The event for a rule_test `event_type` such as `client_connected`. */
export function eventByType(eventType: string): EventDescriptor | undefined {
  return byType.get(eventType);
}

/** The event for a FROM topic such as `$events/client_connected` (undefined for topic filters and unknown events). */
export function eventByTopic(topic: string): EventDescriptor | undefined {
  return byTopic.get(topic);
}

/** The event for a dotted name such as `client.connected`. */
export function eventByName(name: string): EventDescriptor | undefined {
  return byName.get(name);
}

/** True for FROM entries that name an event rather than an MQTT topic filter. */
export function isEventTopic(topic: string): boolean {
  return topic.startsWith('$events/');
}

export {
  messagePublish,
  messageDelivered,
  messageAcked,
  messageDropped,
  deliveryDropped,
  clientConnected,
  clientDisconnected,
  clientConnack,
  clientCheckAuthzComplete,
  clientCheckAuthnComplete,
  sessionSubscribed,
  sessionUnsubscribed,
};
