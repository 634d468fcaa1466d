/** `$events/client_check_authn_complete`: an authentication finished. */
import { EXAMPLE_NODE, exampleClientAttrs, liveClient, now } from './common.js';
import type { EventDescriptor } from './types.js';

export const clientCheckAuthnComplete: EventDescriptor = {
  eventType: 'client_check_authn_complete',
  eventName: 'client.check_authn_complete',
  topic: '$events/client_check_authn_complete',
  columns: ['event', 'clientid', 'username', 'peername', 'reason_code', 'is_superuser', 'is_anonymous', 'timestamp', 'node', 'client_attrs'],
  allowedContextFields: ['clientid', 'username', 'reason_code', 'peername', 'is_anonymous', 'is_superuser'],
  defaults: () => ({
    event: 'client.check_authn_complete',
    clientid: 'c_emqx',
    username: 'u_emqx',
    peername: '192.168.0.10:56431',
    reason_code: 'success',
    is_superuser: true,
    is_anonymous: false,
    timestamp: now(),
    node: EXAMPLE_NODE,
    client_attrs: exampleClientAttrs(),
  }),
  live: (e) => ({
    ...liveClient(e, 'client.check_authn_complete'),
    peername: e.info.peername,
    reason_code: e.reasonCode,
    is_superuser: e.authn?.isSuperuser ?? false,
    is_anonymous: e.authn?.isAnonymous ?? false,
    client_attrs: {},
  }),
};
