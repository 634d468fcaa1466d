/** `$events/message_acked`: a QoS 1/2 message was acknowledged by the receiver. */
import { exampleProps, MSG_CONTEXT_FIELDS } from './common.js';
import { DELIVERED_COLUMNS, deliveredDefaults, deliveredLive } from './message-delivered.js';
import { emqxProps } from '../mqtt-props.js';
import type { EventDescriptor } from './types.js';

export const messageAcked: EventDescriptor = {
  eventType: 'message_acked',
  eventName: 'message.acked',
  topic: '$events/message_acked',
  columns: [...DELIVERED_COLUMNS, 'puback_props'],
  allowedContextFields: ['id', 'from_clientid', 'from_username', ...MSG_CONTEXT_FIELDS],
  defaults: () => ({ puback_props: exampleProps('puback_props'), ...deliveredDefaults('message.acked') }),
  live: (e) => ({ ...deliveredLive(e, 'message.acked'), puback_props: emqxProps(e.pubackProps) }),
};
