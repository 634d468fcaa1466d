/**
 * Events the broker emits on the Aedes instance for the rule engine, beyond Aedes' own: an
 * authentication or an authorization check completed (EMQX's client.check_authn_complete /
 * client.check_authz_complete hooks), a message was not delivered to a subscriber (delivery.dropped).
 * Listeners get positional arguments, so an event allocates nothing for them.
 */
import type { AedesPublishPacket, Client } from 'aedes';

/** `(client, reasonCode: string, isAnonymous: boolean)` — reasonCode is EMQX's name: success, not_authorized... */
export const AUTHN_COMPLETE = 'rulemq:authnComplete';
/** `(client, topic, action: 'publish' | 'subscribe', source: 'file' | 'default', result: 'allow' | 'deny')` */
export const AUTHZ_COMPLETE = 'rulemq:authzComplete';

export type AuthnCompleteListener = (client: Client, reasonCode: string, isAnonymous: boolean) => void;
export type AuthzCompleteListener = (
  client: Client,
  topic: string,
  action: 'publish' | 'subscribe',
  source: 'file' | 'default',
  result: 'allow' | 'deny',
) => void;

/** `(client, packet, reason: string)` — a message not delivered to `client`; reason as EMQX names it (queue_full...). */
export const DELIVERY_DROPPED = 'rulemq:deliveryDropped';

export type DeliveryDroppedListener = (client: Client, packet: AedesPublishPacket, reason: string) => void;
