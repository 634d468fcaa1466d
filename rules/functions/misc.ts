/** UUIDs, environment, coalescing, per-process state and topic-list checks. */
import { randomUUID } from 'node:crypto';
import { isMap, list, str } from './args.js';
import { termEquals } from './term-equal.js';
import type { FunctionDef } from './types.js';

const envCache = new Map<string, string>();

/**
 * Process-wide state for proc_dict_* and kv_store_*. In EMQX the process dictionary belongs to the Erlang process
 * running the rule (one per client connection) and the KV store is a node-wide ETS table; in rulemq both are one
 * map per broker process.
 */
const procDict = new Map<string, unknown>();
const kvStore = new Map<string, unknown>();

/** Map key for an arbitrary term: strings and binaries with the same text are the same key, as in Erlang. */
function stateKey(k: unknown): string {
  if (typeof k === 'string') return `s:${k}`;
  if (Buffer.isBuffer(k)) return `s:${k.toString('utf8')}`;
  if (typeof k === 'number' || typeof k === 'bigint') return `n:${k}`;
  if (k instanceof Number) return `f:${k.valueOf()}`;
  if (typeof k === 'boolean' || k === null || k === undefined) return `a:${String(k)}`;
  return `j:${JSON.stringify(k)}`;
}

function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === '' || (Buffer.isBuffer(v) && v.length === 0) || (Array.isArray(v) && v.length === 0);
}

/** MQTT topic filter matching; '+' and '#' do not match a first level starting with '$'. */
export function topicMatches(topic: string, filter: string): boolean {
  if (topic === filter) return true;
  const t = topic.split('/');
  const f = filter.split('/');
  if (t[0].startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return t.length === f.length;
}

/** The topic of a subscription entry: {topic, qos} map or a plain string. */
function entryTopic(e: unknown): string | undefined {
  if (typeof e === 'string') return e;
  if (Buffer.isBuffer(e)) return e.toString('utf8');
  if (isMap(e)) {
    const t = e.topic;
    if (typeof t === 'string') return t;
    if (Buffer.isBuffer(t)) return t.toString('utf8');
  }
  return undefined;
}

function findTopic(fn: string, filters: unknown, topic: unknown, match: boolean): unknown {
  const t = str(fn, topic, 'topic');
  for (const e of list(fn, filters, 'topic filters')) {
    const et = entryTopic(e);
    if (et !== undefined && (match ? topicMatches(t, et) : et === t)) return e;
  }
  return undefined;
}

function containsTopic(fn: string, match: boolean) {
  return function (filters: unknown, topic: unknown, qos?: unknown): boolean {
    const found = findTopic(fn, filters, topic, match);
    if (found === undefined) return false;
    if (arguments.length < 3) return true;
    return isMap(found) && termEquals(found.qos, qos);
  };
}

export const miscFunctions: FunctionDef[] = [
  {
    name: 'uuid_v4',
    minArity: 0,
    maxArity: 0,
    impl: () => randomUUID(),
    doc: "uuid_v4(): a random version 4 UUID, lower case with hyphens: 'f5bb7bea-a371-4df7-aa30-479add04632b'.",
  },
  {
    name: 'uuid_v4_no_hyphen',
    minArity: 0,
    maxArity: 0,
    impl: () => randomUUID().replace(/-/g, ''),
    doc: "uuid_v4_no_hyphen(): a random version 4 UUID without hyphens: 'd7a39aa4195a42068b962eb9a665503e'.",
  },
  {
    name: 'getenv',
    minArity: 1,
    maxArity: 1,
    impl: (name) => {
      const n = str('getenv', name, 'name');
      let v = envCache.get(n);
      if (v === undefined) {
        v = process.env[`EMQXVAR_${n}`] ?? '';
        envCache.set(n, v);
      }
      return v;
    },
    doc: "getenv(Name): the environment variable EMQXVAR_<Name>, '' when unset. The value is read once and cached " + 'for the life of the process.',
  },
  {
    name: 'coalesce',
    minArity: 1,
    maxArity: 2,
    impl: function (a: unknown, b?: unknown) {
      if (arguments.length >= 2) return a === undefined ? b : a;
      return list('coalesce', a).find((x) => x !== undefined);
    },
    doc:
      'coalesce(A, B): B when A is undefined (missing), else A; a JSON null is kept. coalesce([A, B, ...]) gives ' +
      'the first element that is not undefined. 5.8.0+.',
  },
  {
    name: 'coalesce_ne',
    minArity: 1,
    maxArity: 2,
    impl: function (a: unknown, b?: unknown) {
      if (arguments.length >= 2) return isEmptyValue(a) ? b : a;
      return list('coalesce_ne', a).find((x) => !isEmptyValue(x));
    },
    doc: "coalesce_ne(A, B) / coalesce_ne([A, B, ...]): like coalesce, but '' and [] (Erlang's \"\") also count as " + 'empty. 5.8.0+.',
  },
  {
    name: 'null',
    minArity: 0,
    maxArity: 0,
    impl: () => undefined,
    doc: 'null(): undefined (the missing value); the same as reading an unset variable.',
  },
  {
    name: 'eq',
    minArity: 2,
    maxArity: 2,
    impl: (a, b) => termEquals(a, b),
    doc: 'eq(A, B): Erlang ==: deep equality, strings and binaries by content, no string/number coercion.',
  },
  {
    name: 'proc_dict_get',
    minArity: 1,
    maxArity: 1,
    impl: (k) => procDict.get(stateKey(k)),
    doc: 'proc_dict_get(Key): the value stored by proc_dict_put, or undefined. See proc_dict_put for scope.',
  },
  {
    name: 'proc_dict_put',
    minArity: 2,
    maxArity: 2,
    impl: (k, v) => {
      const key = stateKey(k);
      const old = procDict.get(key);
      procDict.set(key, v);
      return old;
    },
    doc:
      'proc_dict_put(Key, Value): stores Value and returns the previous value (or undefined). rulemq difference: ' +
      "one dictionary per broker process; EMQX's belongs to the Erlang process running the rule (per connection).",
  },
  {
    name: 'proc_dict_del',
    minArity: 1,
    maxArity: 1,
    impl: (k) => {
      const key = stateKey(k);
      const old = procDict.get(key);
      procDict.delete(key);
      return old;
    },
    doc: 'proc_dict_del(Key): removes Key and returns its old value (or undefined).',
  },
  {
    name: 'kv_store_get',
    minArity: 1,
    maxArity: 2,
    impl: (k, dflt) => {
      const key = stateKey(k);
      return kvStore.has(key) ? kvStore.get(key) : dflt;
    },
    doc: 'kv_store_get(Key[, Default]): the value stored by kv_store_put, else Default (undefined).',
  },
  {
    name: 'kv_store_put',
    minArity: 2,
    maxArity: 2,
    impl: (k, v) => {
      kvStore.set(stateKey(k), v);
      return true;
    },
    doc:
      'kv_store_put(Key, Value): stores Value in the process-wide store; returns true. Not persisted and not ' +
      'shared between broker processes (EMQX: one ETS table per node).',
  },
  {
    name: 'kv_store_del',
    minArity: 1,
    maxArity: 1,
    impl: (k) => {
      kvStore.delete(stateKey(k));
      return true;
    },
    doc: 'kv_store_del(Key): removes Key; returns true.',
  },
  {
    name: 'contains_topic',
    minArity: 2,
    maxArity: 3,
    impl: containsTopic('contains_topic', false),
    doc:
      'contains_topic(Filters, Topic[, QoS]): true if the list Filters (maps {"topic": T, "qos": Q} or plain ' +
      'strings) has an entry whose topic equals Topic (and, with QoS, whose qos equals QoS). rulemq difference: ' +
      'EMQX 5.8 expects atom-keyed maps, so on JSON data it always returns false.',
  },
  {
    name: 'contains_topic_match',
    minArity: 2,
    maxArity: 3,
    impl: containsTopic('contains_topic_match', true),
    doc:
      'contains_topic_match(Filters, Topic[, QoS]): like contains_topic, but an entry matches when its topic is an ' +
      "MQTT filter matching Topic ('t/#' matches 't/1'). rulemq difference: EMQX 5.8 always returns false on JSON " +
      'data (and compares with the filter and topic swapped).',
  },
];
