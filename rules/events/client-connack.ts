/** `$events/client_connack`: the broker answered a CONNECT (reason_code success, not_authorized...). */
import { EXAMPLE_NODE, exampleProps, liveClient, now, exampleConnection, liveConnection } from './common.js';
import { emqxProps } from '../mqtt-props.js';
import { atom } from '../functions/atom.js';
import type { EventDescriptor } from './types.js';

export const clientConnack: EventDescriptor = {
  eventType: 'client_connack',
  eventName: 'client.connack',
  topic: '$events/client_connack',
  columns: [
    'event',
    'reason_code',
    'clientid',
    'clean_start',
    'username',
    'peername',
    'sockname',
    'proto_name',
    'proto_ver',
    'keepalive',
    'expiry_interval',
    'conn_props',
    'connected_at',
    'timestamp',
    'node',
  ],
  allowedContextFields: [
    'reason_code',
    'clientid',
    'clean_start',
    'username',
    'peername',
    'sockname',
    'proto_name',
    'proto_ver',
    'keepalive',
    'expiry_interval',
    'connected_at',
  ],
  defaults: () => ({
    event: 'client.connack',
    reason_code: atom('success'), // an atom in EMQX's example columns (emqx_rule_events:columns_with_exam/1)
    clientid: 'c_emqx',
    username: 'u_emqx',
    ...exampleConnection(),
    keepalive: 60,
    clean_start: true,
    expiry_interval: 3600,
    connected_at: now(),
    conn_props: exampleProps('conn_props'),
    timestamp: now(),
    node: EXAMPLE_NODE,
  }),
  live: (e) => ({
    ...liveClient(e, 'client.connack'),
    reason_code: e.reasonCode,
    clean_start: e.info.cleanStart,
    ...liveConnection(e),
    keepalive: e.info.keepalive,
    expiry_interval: e.info.expiryInterval,
    conn_props: emqxProps(e.info.connProps),
    connected_at: e.info.connectedAt,
  }),
};
