/** `$events/delivery_dropped`: a message could not be delivered to a subscriber (queue_full, expired, no_local...). */
import { MSG_CONTEXT_FIELDS } from './common.js';
import { DELIVERED_COLUMNS, deliveredDefaults, deliveredLive } from './message-delivered.js';
import type { EventDescriptor } from './types.js';

export const deliveryDropped: EventDescriptor = {
  eventType: 'delivery_dropped',
  eventName: 'delivery.dropped',
  topic: '$events/delivery_dropped',
  columns: [...DELIVERED_COLUMNS, 'reason'],
  allowedContextFields: ['id', 'reason', 'from_clientid', 'from_username', ...MSG_CONTEXT_FIELDS],
  defaults: () => {
    const d = deliveredDefaults('delivery.dropped');
    return { event: d.event, id: d.id, reason: 'queue_full', ...d };
  },
  live: (e) => ({ ...deliveredLive(e, 'delivery.dropped'), reason: e.reason }),
};
