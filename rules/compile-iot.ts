/**
 * The "IoT shortcut" functions of emqx_rule_funcs: topic(), topic(n), qos(), clientid(), username(), peerhost()
 * (alias clientip()), payload(), payload(path), msgid(), flags(), flag(name).
 *
 * In EMQX 5.x each returns a fun that is applied to the evaluation context; that context is a single map only in
 * WHERE and INCASE, so there they read the columns, while in SELECT, FOREACH and DO they give undefined (flags()
 * gives `{}`). clientid() reads a `from` column that no event has: always undefined. topic(n) checks that n is an
 * integer before anything else, so `topic('1')` fails everywhere. 6.x changed all this; we follow 5.8.
 */
import type { CallExpr } from '../grammar/ast.js';
import type { Ev, Scope } from './compile-scope.js';
import { decodePayloadValue, payloadColumn } from './compile-scope.js';
import { raise } from './errors.js';
import { getKey, own, walk, KEY } from './paths.js';
import { describe, isBinary, isMap, binaryText } from './values.js';

/** Name → [min, max] arguments. */
export const IOT_FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  topic: [0, 1],
  qos: [0, 0],
  clientid: [0, 0],
  username: [0, 0],
  peerhost: [0, 0],
  clientip: [0, 0],
  payload: [0, 1],
  msgid: [0, 0],
  flags: [0, 0],
  flag: [1, 1],
};

const COLUMN_OF: Readonly<Record<string, string>> = {
  qos: 'qos',
  username: 'username',
  peerhost: 'peerhost',
  clientip: 'peerhost',
  msgid: 'id',
  topic: 'topic',
};

const UNDEFINED: Ev = () => undefined;

/** The atom-keyed payload of the merged map: selected via `*`/un-aliased paths, else the column. */
function mergedPayload(sc: Scope): Ev {
  if (!sc.selKeys.has('payload') || !sc.selPayloadAtom) return (st) => payloadColumn(st.ctx);
  return (st) => (Object.hasOwn(st.sel, 'payload') ? st.sel.payload : payloadColumn(st.ctx));
}

/** Compiles an IoT shortcut call; arity was checked by the caller. */
export function compileIot(e: CallExpr, sc: Scope, args: Ev[]): Ev {
  const name = e.name;
  if (!sc.iot && name !== 'topic' && name !== 'flags') {
    sc.warn(
      'SQL_WARN_IOT_FUNCTION_UNDEFINED',
      e.range,
      `${name}() is always undefined in ${sc.clause} in EMQX 5.x (it works only in WHERE and INCASE); use the column instead`,
    );
  }
  switch (name) {
    case 'clientid':
      if (sc.iot) {
        sc.warn('SQL_WARN_IOT_FUNCTION_UNDEFINED', e.range, 'clientid() is always undefined in EMQX 5.x; use the clientid column');
      }
      return UNDEFINED;
    case 'flags':
      if (!sc.iot) return () => ({});
      return (st) => (Object.hasOwn(st.ctx, 'flags') ? st.ctx.flags : {});
    case 'flag': {
      if (!sc.iot) return UNDEFINED;
      const arg = args[0];
      return (st) => {
        const n = arg(st);
        if (!Object.hasOwn(st.ctx, 'flags')) return undefined;
        if (!isBinary(n)) return undefined;
        return getKey(st.ctx.flags, binaryText(n), false, st.ctx);
      };
    }
    case 'payload': {
      if (!sc.iot) return UNDEFINED;
      const root = mergedPayload(sc);
      if (args.length === 0) return root;
      const arg = args[0];
      return (st) => {
        const path = arg(st);
        const p = root(st);
        // payload(Path) only looks into a payload that is already a map; the raw payload string gives undefined.
        if (!isMap(p)) return undefined;
        if (!isBinary(path)) return raise('function_clause', `payload(path) needs a string path, got ${describe(path)}`);
        const steps = binaryText(path)
          .split('.')
          .map((key) => ({ k: KEY, key, safe: false }) as const);
        return walk(decodePayloadValue(st, p), steps, st, null, p);
      };
    }
    case 'topic': {
      if (args.length === 0) {
        if (!sc.iot) {
          sc.warn('SQL_WARN_IOT_FUNCTION_UNDEFINED', e.range, `topic() is always undefined in ${sc.clause} in EMQX 5.x; use the topic column`);
          return UNDEFINED;
        }
        return (st) => own(st.ctx, 'topic');
      }
      const arg = args[0];
      const iot = sc.iot;
      if (!iot) {
        sc.warn('SQL_WARN_IOT_FUNCTION_UNDEFINED', e.range, `topic(n) is always undefined in ${sc.clause} in EMQX 5.x; use split(topic, '/')`);
      }
      return (st) => {
        const n = arg(st);
        if (typeof n !== 'number' || !Number.isInteger(n)) {
          return raise('function_clause', `topic(n) needs an integer level, got ${describe(n)}`);
        }
        if (!iot || !Object.hasOwn(st.ctx, 'topic')) return undefined;
        const t = st.ctx.topic;
        if (!isBinary(t)) return raise('function_clause', `topic(n) on a non-string topic ${describe(t)}`);
        const levels = binaryText(t).split('/');
        if (n < 1 || n > levels.length) return raise('function_clause', `topic(${n}): the topic has ${levels.length} levels`);
        return levels[n - 1];
      };
    }
    default: {
      if (!sc.iot) return UNDEFINED;
      const col = COLUMN_OF[name];
      return (st) => own(st.ctx, col);
    }
  }
}
