import type { SharedStrategy } from '../config/schema.js';

/**
 * How a shared subscription group picks the member that gets a message, with EMQX's strategy
 * names. Every node orders a group's members the same way (by member key), so the hash strategies
 * pick the same member whichever node decides.
 */
export type Strategy = SharedStrategy;

/** Per-group state a strategy keeps between messages (on the node that decides). */
export interface PickState {
  /** round_robin: the position of the next pick. */
  next: number;
  /** sticky: the key of the member picked last, kept while it stays in the group. */
  sticky: string | null;
}

export interface Candidate {
  readonly key: string;
}

/**
 * Picks one of `members` (sorted by key, none excluded already): the index into `members`, or -1
 * when the list is empty. `publisher` is the client id of the publishing client ('' for messages the
 * broker published itself).
 */
export function pick(strategy: Strategy, members: readonly Candidate[], state: PickState, topic: string, publisher: string): number {
  const n = members.length;
  if (n === 0) return -1;
  switch (strategy) {
    case 'round_robin': {
      const i = state.next % n;
      state.next = (i + 1) % n;
      return i;
    }
    case 'random':
      return Math.floor(Math.random() * n);
    case 'sticky': {
      if (state.sticky !== null) {
        const i = members.findIndex((m) => m.key === state.sticky);
        if (i >= 0) return i;
      }
      // As EMQX: the first pick, and the pick after the sticky member left, is random.
      const i = Math.floor(Math.random() * n);
      state.sticky = members[i].key;
      return i;
    }
    case 'hash_clientid':
      return fnv1a(publisher) % n;
    case 'hash_topic':
      return fnv1a(topic) % n;
    default: {
      const never: never = strategy;
      return never;
    }
  }
}

/** 32-bit FNV-1a over the UTF-16 code units: stable across nodes and processes. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
