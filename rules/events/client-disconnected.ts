/** `$events/client_disconnected`: a client connection ended (normal, kicked, keepalive_timeout, takenover...). */
import { EXAMPLE_NODE, exampleClientAttrs, exampleProps, liveClient, now, exampleConnection, liveConnection } from './common.js';
import { emqxProps } from '../mqtt-props.js';
import { atom } from '../functions/atom.js';
import type { EventDescriptor } from './types.js';

export const clientDisconnected: EventDescriptor = {
  eventType: 'client_disconnected',
  eventName: 'client.disconnected',
  topic: '$events/client_disconnected',
  columns: [
    'event',
    'reason',
    'clientid',
    'username',
    'peername',
    'sockname',
    'proto_name',
    'proto_ver',
    'disconn_props',
    'connected_at',
    'disconnected_at',
    'timestamp',
    'node',
    'client_attrs',
  ],
  allowedContextFields: ['clientid', 'username', 'reason', 'peername', 'sockname', 'disconnected_at'],
  defaults: () => ({
    event: 'client.disconnected',
    reason: atom('normal'), // an atom in EMQX's example columns (emqx_rule_events:columns_with_exam/1)
    clientid: 'c_emqx',
    username: 'u_emqx',
    ...exampleConnection(),
    disconn_props: exampleProps('disconn_props'),
    connected_at: now(),
    disconnected_at: now(),
    timestamp: now(),
    node: EXAMPLE_NODE,
    client_attrs: exampleClientAttrs(),
  }),
  live: (e) => ({
    ...liveClient(e, 'client.disconnected'),
    reason: e.reason,
    ...liveConnection(e),
    disconn_props: emqxProps(e.info.disconnect?.props),
    connected_at: e.info.connectedAt,
    disconnected_at: e.now,
    client_attrs: {},
  }),
};
