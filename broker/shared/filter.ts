import { TopicFault, checkTopicString } from '../validation/topic.js';

/**
 * Shared subscription filters: `$share/<group>/<filter>` (MQTT 5.0 §4.8.2, also accepted from
 * MQTT 3.1.1 clients as EMQX and mosquitto do) and EMQX's `$queue/<filter>`, which is
 * `$share/$queue/<filter>`.
 */

export const SHARE_PREFIX = '$share/';
export const QUEUE_PREFIX = '$queue/';
/** The group EMQX gives `$queue/<filter>` subscriptions. */
export const QUEUE_GROUP = '$queue';

export interface ShareFilter {
  readonly group: string;
  /** The topic filter inside, which messages are matched against and which the ACL checks. */
  readonly filter: string;
}

export type ShareParse = ShareFilter | { readonly error: string };

/** True when `topic` uses a shared-subscription prefix (well-formed or not). */
export function isShareTopic(topic: string): boolean {
  return topic.charCodeAt(0) === 0x24 && (topic.startsWith(SHARE_PREFIX) || topic.startsWith(QUEUE_PREFIX));
}

/**
 * Splits a shared subscription filter; null when `topic` is an ordinary filter. The checks are the
 * spec's: the ShareName is at least one character and holds no '/', '+' or '#', and it is followed
 * by '/' and a valid Topic Filter [MQTT-4.8.2-1] [MQTT-4.8.2-2].
 */
export function parseShareFilter(topic: string, maxLevels = 100, maxBytes = 65535): ShareParse | null {
  if (!isShareTopic(topic)) return null;
  let group: string;
  let filter: string;
  if (topic.startsWith(QUEUE_PREFIX)) {
    group = QUEUE_GROUP;
    filter = topic.slice(QUEUE_PREFIX.length);
  } else {
    const rest = topic.slice(SHARE_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return { error: 'a shared subscription needs `$share/<group>/<filter>`' }; // [MQTT-4.8.2-1]
    group = rest.slice(0, slash);
    filter = rest.slice(slash + 1);
    if (group === '') return { error: 'the share group name is empty' }; // [MQTT-4.8.2-1]
    if (/[+#]/.test(group)) return { error: `the share group name '${group}' holds a wildcard` }; // [MQTT-4.8.2-2]
  }
  if (filter === '') return { error: 'the topic filter of a shared subscription is empty' }; // [MQTT-4.8.2-1]
  if (checkTopicString(filter, true, maxLevels, maxBytes) !== TopicFault.None) return { error: `'${filter}' is not a valid topic filter` };
  return { group, filter };
}

/** The key a group is known by on every node: its name and its filter. */
export function groupKey(s: ShareFilter): string {
  return `${s.group}\u0000${s.filter}`;
}
