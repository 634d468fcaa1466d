/**
 * Topic algebra on split levels, for ACL decisions. A topic starting with '$' is never matched by
 * a filter whose first level is a wildcard [MQTT-4.7.2-1].
 */

export function splitLevels(topic: string): string[] {
  return topic.split('/');
}

function isWild(level: string | undefined): boolean {
  return level === '+' || level === '#';
}

function dollarBlocked(a: readonly string[], b: readonly string[]): boolean {
  // A literal first level starting with '$' meets a wildcard first level: no common topic.
  return (a[0].startsWith('$') && isWild(b[0])) || (b[0].startsWith('$') && isWild(a[0]));
}

/** Does `filter` match the concrete topic name `topic`? */
export function matches(filter: readonly string[], topic: readonly string[]): boolean {
  if (topic[0].startsWith('$') && isWild(filter[0])) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === '#') return true; // [MQTT-4.7.1-2] also matches the parent level
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/** Is every topic matched by `inner` also matched by `outer`? */
export function covers(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner[0].startsWith('$') && isWild(outer[0])) return false;
  for (let i = 0; i < inner.length; i++) {
    const o = outer[i];
    if (o === '#') return true;
    if (o === undefined) return false;
    const n = inner[i];
    if (n === '#') return false; // only '#' covers '#'
    if (n === '+') {
      if (o !== '+') return false;
    } else if (o !== '+' && o !== n) {
      return false;
    }
  }
  if (outer.length === inner.length) return true;
  return outer.length === inner.length + 1 && outer[inner.length] === '#'; // 'a/#' covers 'a'
}

/** Is there a topic both filters match? */
export function intersects(a: readonly string[], b: readonly string[]): boolean {
  if (dollarBlocked(a, b)) return false;
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '#' || y === '#') return true;
    if (x === undefined || y === undefined) return x === y;
    if (x === '+' || y === '+') continue;
    if (x !== y) return false;
  }
}
