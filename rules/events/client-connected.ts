/** `$events/client_connected`: a client finished connecting. */
import { EXAMPLE_NODE, exampleClientAttrs, exampleProps, now } from './common.js';
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
    peername: '192.168.0.10:56431',
    sockname: '0.0.0.0:1883',
    proto_name: 'MQTT',
    proto_ver: 5,
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
};
