/**
 * Descriptor of one rule event source (`$events/...` topic, or message.publish for topic filters): its columns,
 * the context fields rule_test accepts for it, and its example values (EMQX emqx_rule_events:columns_with_exam).
 */

import type { AedesPublishPacket } from 'aedes';
import type { ClientInfo } from '../client-info.js';

/** Type of a rule_test context field, checked before the test runs (EMQX checks the context with a schema). */
export type FieldType = 'string' | 'integer' | 'boolean' | 'qos' | 'map' | 'any';

export interface EventDescriptor {
  /** `message_publish`, `client_connected`... (the rule_test `event_type`). */
  readonly eventType: string;
  /** Dotted EMQX event name, the `event` column: `message.publish`, `client.connected`... */
  readonly eventName: string;
  /** The FROM topic, `$events/client_connected`; null for message_publish (rules use topic filters). */
  readonly topic: string | null;
  /** Columns a live event carries (emqx-rule-sql.md §5), `event`, `timestamp` and `node` included. */
  readonly columns: readonly string[];
  /** Context fields EMQX's rule_test schema accepts for this event (§1). */
  readonly allowedContextFields: readonly string[];
  /** Example values filled under a rule_test context (fresh ids and times on each call). */
  defaults(): Record<string, unknown>;
  /** The columns of a live event, exactly `columns` (a test holds every descriptor to that). */
  live(e: LiveEvent): Record<string, unknown>;
}

/** What the broker knows when an event happens; each descriptor reads the parts its columns need. */
export interface LiveEvent {
  readonly clientid: string;
  readonly info: ClientInfo;
  readonly node: string;
  /** Milliseconds since the epoch: the `timestamp` column. */
  readonly now: number;
  /** Message events: the message (for delivery events, as delivered to `clientid`). */
  readonly message?: { readonly id: string; readonly packet: AedesPublishPacket; readonly fromUsername?: string };
  /** session.subscribed / unsubscribed. */
  readonly subscription?: { readonly topic: string; readonly qos: number };
  /** client.disconnected, message.dropped, delivery.dropped. */
  readonly reason?: string;
  /** client.connack: the reason code's EMQX name. */
  readonly reasonCode?: string;
  /** client.check_authz_complete. */
  readonly authz?: { readonly topic: string; readonly action: 'publish' | 'subscribe'; readonly source: string; readonly result: 'allow' | 'deny' };
  /** client.check_authn_complete. */
  readonly authn?: { readonly isSuperuser: boolean; readonly isAnonymous: boolean };
  /** message.acked: the PUBACK's properties. */
  readonly pubackProps?: Record<string, unknown>;
}
