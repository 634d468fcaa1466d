/**
 * The evaluation context of a rule: the event's columns as a plain object (id, clientid, username, payload,
 * peerhost, peername, topic, qos, flags, pub_props, timestamp, publish_received_at, node, event, and the event's
 * own columns such as reason or from_clientid).
 *
 * Payload caching. `payload` may be a string or a Buffer. Two symbol-keyed slots on the context object cache:
 * - PAYLOAD_TEXT: the payload as a string (a Buffer decoded as UTF-8 once);
 * - PAYLOAD_JSON: the payload decoded as JSON once (or a marker for "not JSON"), shared by every rule evaluated on
 *   the same context object. Build one context per message and hand it to all matching rules.
 * The slots are symbols, so `for...in`, `Object.keys` and JSON.stringify never see them (object spread does copy
 * them; copying a context copies its caches, which stay correct because they describe the same payload).
 * Do not mutate `payload` after the first evaluation; build a new context instead.
 */
import { SqlRuntimeError } from './errors.js';
import { parseJson } from '../common/json-parse.js';
import { ABSENT, JsonMembers } from '../common/json-members.js';

/** Cached payload text (string), or UNSET. */
export const PAYLOAD_TEXT: unique symbol = Symbol('rulemq.payloadText');
/** Cached decoded payload JSON, BAD_JSON, or UNSET. */
export const PAYLOAD_JSON: unique symbol = Symbol('rulemq.payloadJson');

/** The payload's top-level members, indexed without decoding (JsonMembers), null when not an object, or UNSET. */
export const PAYLOAD_MEMBERS: unique symbol = Symbol('rulemq.payloadMembers');

/** Marker: cache slot not filled yet. */
export const UNSET: unique symbol = Symbol('rulemq.unset');

/** Marker stored in PAYLOAD_JSON when the payload is not valid JSON. */
export class BadJson {
  constructor(readonly error: Error) {}
}

/** A rule's input: event columns by name, plus the two cache slots. */
export interface EvalContext {
  [column: string]: unknown;
  [PAYLOAD_TEXT]?: string | undefined | typeof UNSET;
  [PAYLOAD_JSON]?: unknown;
  [PAYLOAD_MEMBERS]?: JsonMembers | null | typeof UNSET;
}

/** Columns of a message.publish event (EMQX 5.8 §5). */
export interface MessageFields {
  id?: string;
  clientid?: string;
  username?: string | undefined;
  payload?: string | Buffer;
  peerhost?: string;
  peername?: string;
  topic?: string;
  qos?: number;
  flags?: Record<string, unknown>;
  pub_props?: Record<string, unknown>;
  publish_received_at?: number;
  timestamp?: number;
  node?: string;
  client_attrs?: Record<string, unknown>;
  /** Defaults to "message.publish". */
  event?: string;
}

/**
 * Builds the context of one published message. Every message.publish column is present, in a fixed order (the
 * `SELECT *` key order), with undefined where not given — a live EMQX publish event has them all. `extra` columns
 * (e.g. headers) are appended. All contexts built here share one object shape, which keeps property reads fast.
 */
export function createMessageContext(f: MessageFields, extra?: Record<string, unknown>): EvalContext {
  const ctx = messageContextOf(
    f.event ?? 'message.publish',
    f.id,
    f.clientid,
    f.username,
    f.payload,
    f.peerhost,
    f.peername,
    f.topic,
    f.qos,
    f.flags,
    f.pub_props,
    f.publish_received_at,
    f.timestamp,
    f.node,
    f.client_attrs,
  );
  if (extra !== undefined) {
    for (const k of Object.keys(extra)) ctx[k] = extra[k];
  }
  return ctx;
}

/**
 * createMessageContext's object from the columns themselves: the publish hot path builds each message's context
 * with no MessageFields object in between (one allocation less per message). Same key order, same shape.
 */
export function messageContextOf(
  event: string,
  id: string | undefined,
  clientid: string | undefined,
  username: string | undefined,
  payload: string | Buffer | undefined,
  peerhost: string | undefined,
  peername: string | undefined,
  topic: string | undefined,
  qos: number | undefined,
  flags: Record<string, unknown> | undefined,
  pub_props: Record<string, unknown> | undefined,
  publish_received_at: number | undefined,
  timestamp: number | undefined,
  node: string | undefined,
  client_attrs: Record<string, unknown> | undefined,
): EvalContext {
  return {
    event,
    id,
    clientid,
    username,
    payload,
    peerhost,
    peername,
    topic,
    qos,
    flags,
    pub_props,
    publish_received_at,
    timestamp,
    node,
    client_attrs,
    [PAYLOAD_TEXT]: UNSET,
    [PAYLOAD_JSON]: UNSET,
    [PAYLOAD_MEMBERS]: UNSET,
  };
}

/** Builds the context of any event from its columns; same caching rules as createMessageContext. */
export function createEventContext(columns: Record<string, unknown>): EvalContext {
  const ctx: EvalContext = { ...columns };
  ctx[PAYLOAD_TEXT] = UNSET;
  ctx[PAYLOAD_JSON] = UNSET;
  ctx[PAYLOAD_MEMBERS] = UNSET;
  return ctx;
}

/** The payload as text: a string payload as is, a Buffer decoded as UTF-8 (once per context), else undefined. */
export function payloadText(ctx: EvalContext): string | undefined {
  const p = ctx.payload;
  if (typeof p === 'string') return p;
  if (!(p instanceof Uint8Array)) return undefined;
  const cached = ctx[PAYLOAD_TEXT];
  if (typeof cached === 'string') return cached;
  // Buffer#toString() without arguments takes Node's fastest UTF-8 path.
  const text = Buffer.isBuffer(p) ? p.toString() : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
  ctx[PAYLOAD_TEXT] = text;
  return text;
}

/**
 * The payload decoded as JSON, once per context. Returns undefined when there is no payload column (a non-binary
 * payload, e.g. a map in a test context, is returned as is); throws
 * SqlRuntimeError `decode_json_failed` when the payload is not JSON (EMQX fails the rule: HTTP 400 in rule_test).
 */
export function payloadJson(ctx: EvalContext): unknown {
  let j = ctx[PAYLOAD_JSON];
  if (j === UNSET || j === undefined) {
    const text = payloadText(ctx);
    // A payload that is already a map or list (a test context) is used as is, like EMQX's maybe_decode_payload.
    if (text === undefined) return ctx.payload;
    try {
      j = parseJson(text);
    } catch (e) {
      j = new BadJson(e as Error);
    }
    ctx[PAYLOAD_JSON] = j;
  }
  if (j instanceof BadJson) {
    throw new SqlRuntimeError('decode_json_failed', `payload is not valid JSON (${j.error.message})`, j.error);
  }
  return j;
}

/**
 * Like payloadJson but never throws: undefined when the payload is not JSON. Used where EMQX decodes a string met
 * along a path (general_find), which fails soft.
 */
export function payloadJsonSoft(ctx: EvalContext): unknown {
  const j = ctx[PAYLOAD_JSON];
  if (j !== UNSET && j !== undefined) return j instanceof BadJson ? undefined : j;
  try {
    return payloadJson(ctx);
  } catch {
    return undefined;
  }
}

/** payloadMember's answer when the member cannot be read on its own: use payloadJson. */
export const WHOLE: unique symbol = Symbol('rulemq.payloadWhole');

/**
 * Member `key` of a JSON object payload, decoded without decoding the rest (see common/json-members.ts): the
 * value, undefined when the object has no such member, or WHOLE when the payload must be decoded whole — it is
 * already decoded, it is not binary, its top level is not an object, or it is not JSON (payloadJson then throws
 * the decoder's own error). `key` must not be an Object.prototype member name (see paths.ts isProtoName).
 */
export function payloadMember(ctx: EvalContext, key: string): unknown {
  let members = ctx[PAYLOAD_MEMBERS];
  if (members === UNSET || members === undefined) {
    const j = ctx[PAYLOAD_JSON];
    const p = ctx.payload;
    members = (j === UNSET || j === undefined) && p instanceof Uint8Array ? JsonMembers.of(p) : null;
    ctx[PAYLOAD_MEMBERS] = members;
  }
  if (members === null) return WHOLE;
  const v = members.get(key);
  return v === ABSENT ? undefined : v;
}
