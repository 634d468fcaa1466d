/** `$events/client_connected`: a client finished connecting. */
import { EXAMPLE_NODE, exampleClientAttrs, exampleProps, liveClient, now, exampleConnection, liveConnection } from './common.js';
import { emqxProps } from '../mqtt-props.js';
import type { EventDescriptor } from './types.js';

export const clientConnected: EventDescriptor = {
  eventType: 'client_connected',
  eventName: 'client.connected',
  topic: '$events/client_connected',
  columns: [
    'event', 'clientid', 'username', 'mountpoint', 'peername', 'sockname', 'proto_name', 'proto_ver', 'keepalive',
    'clean_start', 'receive_maximum', 'expiry_interval', 'is_bridge', 'conn_props', 'connected_at', 'timestamp',
    'node', 'client_attrs',
  ],
  allowedContextFields: [
    'clientid', 'username', 'mountpoint', 'peername', 'sockname', 'proto_name', 'proto_ver', 'keepalive',
    'clean_start', 'expiry_interval', 'is_bridge', 'connected_at',
  ],
  defaults: () => ({
    event: 'client.connected',
    clientid: 'c_emqx',
    username: 'u_emqx',
    mountpoint: undefined,
    ...exampleConnection(),
    keepalive: 60,
    clean_start: true,
    expiry_interval: 3600,
    is_bridge: false,
    conn_props: exampleProps('conn_props'),
    connected_at: now(),
    timestamp: now(),
    node: EXAMPLE_NODE,
    client_attrs: exampleClientAttrs(),
  }),
  live: (e) => ({
    ...liveClient(e, 'client.connected'),
    mountpoint: undefined,
    ...liveConnection(e),
    keepalive: e.info.keepalive,
    clean_start: e.info.cleanStart,
    receive_maximum: e.info.receiveMaximum,
    expiry_interval: e.info.expiryInterval,
    is_bridge: false,
    conn_props: emqxProps(e.info.connProps),
    connected_at: e.info.connectedAt,
    client_attrs: {},
  }),
};
