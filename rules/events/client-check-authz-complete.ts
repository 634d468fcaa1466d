/** `$events/client_check_authz_complete`: an authorization check finished (action publish/subscribe, allow/deny). */
import { EXAMPLE_NODE, exampleClientAttrs, now } from './common.js';
import type { EventDescriptor } from './types.js';

export const clientCheckAuthzComplete: EventDescriptor = {
  eventType: 'client_check_authz_complete',
  eventName: 'client.check_authz_complete',
  topic: '$events/client_check_authz_complete',
  columns: [
    'event', 'clientid', 'username', 'peerhost', 'peername', 'topic', 'action', 'authz_source', 'result', 'timestamp',
    'node', 'client_attrs',
  ],
  allowedContextFields: ['clientid', 'username', 'peerhost', 'topic', 'action', 'authz_source', 'result'],
  defaults: () => ({
    event: 'client.check_authz_complete',
    clientid: 'c_emqx',
    username: 'u_emqx',
    peerhost: '192.168.0.10',
    peername: '192.168.0.10:32781',
    topic: 't/a',
    action: 'publish',
    authz_source: 'cache',
    result: 'allow',
    timestamp: now(),
    node: EXAMPLE_NODE,
    client_attrs: exampleClientAttrs(),
  }),
};
