/** `$SYS` and `$SYS/...`: the broker's own topics, never written by clients or rules [MQTT-4.7.2-1]. */
export function isSysTopic(topic: string): boolean {
  return topic.startsWith('$SYS') && (topic.length === 4 || topic.charCodeAt(4) === 0x2f);
}
