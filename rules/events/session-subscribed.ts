/** `$events/session_subscribed`: a client subscribed to a topic filter. */
import { EXAMPLE_NODE, exampleClientAttrs, exampleProps, liveClient, MSG_CONTEXT_FIELDS, now } from './common.js';
import { emqxProps } from '../mqtt-props.js';
import type { EventDescriptor, LiveEvent } from './types.js';

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

/** Live columns shared with session_unsubscribed. */
export function subscriptionLive(e: LiveEvent, event: string, propsKey: 'sub_props' | 'unsub_props'): Record<string, unknown> {
  const topic = e.subscription?.topic ?? '';
  const props = (propsKey === 'sub_props' ? e.info.subProps : e.info.unsubProps)?.get(topic);
  return {
    ...liveClient(e, event),
    peerhost: e.info.peerhost,
    peername: e.info.peername,
    topic,
    qos: e.subscription?.qos ?? 0,
    [propsKey]: emqxProps(props),
    client_attrs: {},
  };
}

export const sessionSubscribed: EventDescriptor = {
  eventType: 'session_subscribed',
  eventName: 'session.subscribed',
  topic: '$events/session_subscribed',
  columns: ['event', 'clientid', 'username', 'peerhost', 'peername', 'topic', 'qos', 'sub_props', 'timestamp', 'node', 'client_attrs'],
  allowedContextFields: [...MSG_CONTEXT_FIELDS],
  defaults: () => subscriptionDefaults('session.subscribed', 'sub_props'),
  live: (e) => subscriptionLive(e, 'session.subscribed', 'sub_props'),
};
