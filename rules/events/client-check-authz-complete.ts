/** `$events/client_check_authz_complete`: an authorization check finished (action publish/subscribe, allow/deny). */
import { EXAMPLE_NODE, exampleClientAttrs, liveClient, now } from './common.js';
import type { EventDescriptor } from './types.js';

export const clientCheckAuthzComplete: EventDescriptor = {
  eventType: 'client_check_authz_complete',
  eventName: 'client.check_authz_complete',
  topic: '$events/client_check_authz_complete',
  columns: ['event', 'clientid', 'username', 'peerhost', 'peername', 'topic', 'action', 'authz_source', 'result', 'timestamp', 'node', 'client_attrs'],
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
  live: (e) => ({
    ...liveClient(e, 'client.check_authz_complete'),
    peerhost: e.info.peerhost,
    peername: e.info.peername,
    topic: e.authz?.topic,
    action: e.authz?.action,
    authz_source: e.authz?.source,
    result: e.authz?.result,
    client_attrs: {},
  }),
};
