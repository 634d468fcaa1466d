/**
 * MQTT topic filter matching as EMQX does it (emqx_topic:match/2), used for rule FROM clauses, the `=~` operator
 * and rule_test.
 */

/**
 * True when `topic` matches `filter`. `+` matches exactly one level (possibly empty), `#` the rest of the topic
 * including none (`a/#` matches `a`). A topic starting with `$` is never matched by a filter starting with `+` or
 * `#` [MQTT-4.7.2-1]. Levels are compared as written, so a topic name holding `+` matches a filter `+` level.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 36 /* $ */) {
    const f0 = filter.charCodeAt(0);
    if (f0 === 43 /* + */ || f0 === 35 /* # */) return false;
  }
  if (filter === topic) return true;
  let fi = 0;
  let ti = 0;
  for (;;) {
    const fEnd = filter.indexOf('/', fi);
    const fLevel = fEnd === -1 ? filter.slice(fi) : filter.slice(fi, fEnd);
    if (fLevel === '#' && fEnd === -1) return true;
    if (ti > topic.length) return false; // topic has no more levels
    const tEnd = topic.indexOf('/', ti);
    const tLevel = tEnd === -1 ? topic.slice(ti) : topic.slice(ti, tEnd);
    if (fLevel !== tLevel && fLevel !== '+') return false;
    if (fEnd === -1 || tEnd === -1) {
      if (fEnd === -1 && tEnd === -1) return true;
      if (fEnd !== -1 && tEnd === -1) {
        // Topic is exhausted; only a trailing `/#` may still match (`a/#` matches `a`).
        return filter.slice(fEnd + 1) === '#';
      }
      return false;
    }
    fi = fEnd + 1;
    ti = tEnd + 1;
  }
}

/** True when `filter` is a valid MQTT topic filter: non-empty, no NUL, `#` only as the whole last level, `+` only as a whole level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  if (Buffer.byteLength(filter, 'utf8') > 65535) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return false;
    if (l.includes('+') && l !== '+') return false;
  }
  return true;
}

/** True when `topic` is a valid topic name to publish to: non-empty, no NUL, no wildcards. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes('\u0000') && !topic.includes('+') && !topic.includes('#') && Buffer.byteLength(topic, 'utf8') <= 65535;
}
