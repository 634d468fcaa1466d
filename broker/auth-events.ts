/**
 * Events the security layer emits on the Aedes instance when an authentication or an authorization
 * check completes (EMQX's client.check_authn_complete / client.check_authz_complete hooks). Listeners
 * get positional arguments, so a check allocates nothing for them.
 */
import type { Client } from 'aedes';

/** `(client, reasonCode: string, isAnonymous: boolean)` — reasonCode is EMQX's name: success, not_authorized... */
export const AUTHN_COMPLETE = 'rulemq:authnComplete';
/** `(client, topic, action: 'publish' | 'subscribe', source: 'file' | 'default', result: 'allow' | 'deny')` */
export const AUTHZ_COMPLETE = 'rulemq:authzComplete';

export type AuthnCompleteListener = (client: Client, reasonCode: string, isAnonymous: boolean) => void;
export type AuthzCompleteListener = (client: Client, topic: string, action: 'publish' | 'subscribe', source: 'file' | 'default', result: 'allow' | 'deny') => void;
