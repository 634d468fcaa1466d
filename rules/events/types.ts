/**
 * Descriptor of one rule event source (`$events/...` topic, or message.publish for topic filters): its columns,
 * the context fields rule_test accepts for it, and its example values (EMQX emqx_rule_events:columns_with_exam).
 */

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
}
