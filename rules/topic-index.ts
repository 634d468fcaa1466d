/**
 * Finds the rules whose FROM filters match a topic without scanning every rule: a trie over filter
 * levels (`+` and `#` as wildcard children). Results are cached per topic (bounded), so a device that
 * publishes to the same topic again costs one Map lookup and no allocation.
 */

interface Node<T> {
  children: Map<string, Node<T>>;
  /** Values whose filter ends exactly here. */
  values: T[];
  /** Values whose filter ends with `#` here (matches this level and everything below). */
  hashValues: T[];
}

function node<T>(): Node<T> {
  return { children: new Map(), values: [], hashValues: [] };
}

export class TopicIndex<T> {
  private readonly root: Node<T> = node();
  private readonly cache = new Map<string, readonly T[]>();
  private size = 0;

  constructor(private readonly maxCachedTopics = 10_000) {}

  /** Adds `value` under an MQTT topic filter (assumed valid). A value added twice under filters that both match is returned once. */
  add(filter: string, value: T): void {
    const levels = filter.split('/');
    let n = this.root;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      if (level === '#' && i === levels.length - 1) {
        n.hashValues.push(value);
        this.cache.clear();
        this.size++;
        return;
      }
      let next = n.children.get(level);
      if (!next) {
        next = node();
        n.children.set(level, next);
      }
      n = next;
    }
    n.values.push(value);
    this.cache.clear();
    this.size++;
  }

  get filterCount(): number {
    return this.size;
  }

  /** Values whose filters match `topic`, in insertion order of first match, without duplicates. */
  match(topic: string): readonly T[] {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    const out: T[] = [];
    const levels = topic.split('/');
    // [MQTT-4.7.2-1] wildcards at the first level do not match topics starting with '$'.
    this.walk(this.root, levels, 0, out, topic.charCodeAt(0) === 36);
    const result = out.length === 0 ? EMPTY : dedupe(out);
    if (this.cache.size >= this.maxCachedTopics) this.cache.clear();
    this.cache.set(topic, result as readonly T[]);
    return result as readonly T[];
  }

  private walk(n: Node<T>, levels: string[], i: number, out: T[], dollar: boolean): void {
    const first = i === 0;
    if (!(first && dollar)) for (const v of n.hashValues) out.push(v);
    if (i === levels.length) {
      for (const v of n.values) out.push(v);
      return;
    }
    const exact = n.children.get(levels[i]);
    if (exact) this.walk(exact, levels, i + 1, out, dollar);
    if (!(first && dollar)) {
      const plus = n.children.get('+');
      if (plus) this.walk(plus, levels, i + 1, out, dollar);
    }
  }
}

const EMPTY: readonly never[] = Object.freeze([]);

function dedupe<T>(values: T[]): T[] {
  if (values.length < 2) return values;
  const seen = new Set<T>();
  const out: T[] = [];
  for (const v of values) {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}
