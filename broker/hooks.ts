/**
 * Every Aedes hook of the broker, composed in one place from named steps, in the order they run.
 *
 * Aedes has one function per hook (preConnect, authenticate, authorizePublish, ...). Instead of
 * each part of rulemq replacing those functions in turn (where the order would be install order),
 * the parts hand their steps to a BrokerHooks under a name from STEP_ORDER below, and
 * `BrokerHooks.seal(broker)` composes each hook once. A step that is not provided (no ACL file,
 * no Redis, no rules) is left out.
 *
 * What runs when a client's PUBLISH arrives, in order:
 *  1. authorizePublish, before Aedes acknowledges or stores anything:
 *     cluster.store-ready   refuses QoS 1/2 and retained while Redis is unreachable (connection closed, client resends)
 *     limits.publish-rate   delays the PUBLISH until the client's token bucket allows it
 *     acl.publish           $SYS and ACL: a denied PUBLISH is marked, acknowledged and dropped (counted)
 *     rules.ack-hold        ack_mode = 'sink': runs the message's rules now and answers once the sinks wrote
 *  2. Aedes sends PUBACK (QoS 1) or stores the message (QoS 2), then calls broker.publish:
 *     acl.drop-denied       a PUBLISH marked by acl.publish ends here
 *     shared.dispatch       once Aedes has published it, one member of each matching shared subscription
 *                           group gets it (also for messages the broker publishes: rules, wills)
 *  3. Aedes stores retained messages and delivers to subscribers; per subscriber, authorizeForward:
 *     limits.slow-subscriber  drops QoS 0 for a subscriber whose socket is not draining (counted)
 *     limits.queue          refuses what the session's queue bound dropped
 *     acl.deliver           the subscriber must be allowed to read the topic
 *     metrics.sent          counts the delivery
 *     rules.message-delivered  fires $events/message_delivered
 *     shared.track          a QoS 1/2 shared copy gets its packet id and is followed until acknowledged
 *  4. published, once the message was handed to subscribers:
 *     metrics.received      counts the PUBLISH
 *     rules.run             runs the rules whose FROM matches (skipped when rules.ack-hold already ran them)
 *  5. For QoS 2, Aedes sends PUBREC after step 4.
 *
 * A SUBSCRIBE goes through authorizeSubscribe: shared.subscribe (share syntax; hands the filter inside
 * `$share/<group>/` to the next steps), then acl.subscribe. Outside these hooks, broker/shared also
 * wraps broker.subscribe/unsubscribe (share filters go to its group table, not the emitter) and
 * broker.handle (it reads each client's PUBACK/PUBREC and malformed share filters).
 */
import { CodedError } from '../common/coded-error.js';
import type { Aedes, AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';

/** Every hook's steps, in the order they run. The single source of ordering. */
export const STEP_ORDER = {
  preConnect: ['cluster.store-ready', 'rules.record-connect', 'connect.empty-persistent-id', 'mqtt5.server-keep-alive'],
  authenticate: ['connect.empty-persistent-id', 'auth.credentials'],
  authorizePublish: ['cluster.store-ready', 'limits.publish-rate', 'acl.publish', 'rules.ack-hold'],
  publish: ['acl.drop-denied', 'shared.dispatch'],
  authorizeSubscribe: ['shared.subscribe', 'acl.subscribe'],
  authorizeForward: ['limits.slow-subscriber', 'limits.queue', 'acl.deliver', 'metrics.sent', 'rules.message-delivered', 'shared.track'],
  published: ['metrics.received', 'rules.run'],
} as const;

export type HookName = keyof typeof STEP_ORDER;
export type StepName<H extends HookName> = (typeof STEP_ORDER)[H][number];

type PreConnectFn = (client: Client, packet: ConnectPacket, callback: (err: Error | null, ok: boolean) => void) => void;
type AuthenticateFn = (
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
  callback: (err: AuthenticateError | null, ok: boolean | null) => void,
) => void;
type AuthorizePublishFn = (client: Client | null, packet: PublishPacket, callback: (err?: Error | null) => void) => void;
type PublishFn = (packet: PublishPacket, client: Client | null, done: (err?: Error | null) => void) => void;
type AuthorizeSubscribeFn = (client: Client, sub: Subscription, callback: (err: Error | null, sub: Subscription | null) => void) => void;

/**
 * A step of a callback hook gets the hook's arguments and `next`, the rest of the chain: it either
 * answers through the callback (and the steps after it do not run) or calls `next` with the same
 * arguments. Passing through allocates nothing.
 */
type Chained<F extends (...args: never[]) => void> = (...args: [...Parameters<F>, next: F]) => void;

export interface HookSteps {
  preConnect: Chained<PreConnectFn>;
  authenticate: Chained<AuthenticateFn>;
  authorizePublish: Chained<AuthorizePublishFn>;
  publish: Chained<PublishFn>;
  authorizeSubscribe: Chained<AuthorizeSubscribeFn>;
  /** Returns the packet to deliver (the same or a copy) or null to skip this subscriber; null stops the chain. */
  authorizeForward: (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null;
  /** Observes a message that was published by a client (never called for broker-originated ones). */
  published: (packet: AedesPublishPacket, client: Client) => void;
}

/** What each hook does once every step passed: Aedes' own defaults. */
const TERMINAL: { preConnect: PreConnectFn; authenticate: AuthenticateFn; authorizePublish: AuthorizePublishFn; authorizeSubscribe: AuthorizeSubscribeFn } = {
  preConnect: (_client, _packet, callback) => callback(null, true),
  authenticate: (_client, _username, _password, callback) => callback(null, true),
  // [MQTT-4.7.2-1] $SYS belongs to the broker (acl.publish refuses it for clients before this).
  authorizePublish: (_client, packet, callback) => callback(packet.topic.startsWith('$SYS') ? new Error('$SYS topic is reserved') : null),
  authorizeSubscribe: (_client, sub, callback) => callback(null, sub),
};

/** A step provided twice or after `seal`: a programming error in rulemq itself, caught by its tests. */
export class HookError extends CodedError<'HOOK_STEP_INVALID'> {
  constructor(message: string) {
    super('HOOK_STEP_INVALID', message);
  }
}

/** The steps of every hook, filled in by the broker's parts and composed once by `seal`. */
export class BrokerHooks {
  private readonly steps = new Map<string, unknown>();
  private sealed = false;

  /** Registers the step `name` of `hook`. Each name is provided at most once, before `seal`. */
  provide<H extends HookName>(hook: H, name: StepName<H>, step: HookSteps[H]): void {
    const key = `${hook}/${name}`;
    if (this.sealed) throw new HookError(`step ${key} provided after the hooks were sealed`);
    if (this.steps.has(key)) throw new HookError(`step ${key} provided twice`);
    this.steps.set(key, step);
  }

  /** The provided steps of `hook`, in the order they run. */
  stepsOf<H extends HookName>(hook: H): Array<{ name: StepName<H>; step: HookSteps[H] }> {
    const out: Array<{ name: StepName<H>; step: HookSteps[H] }> = [];
    for (const name of STEP_ORDER[hook] as readonly StepName<H>[]) {
      const step = this.steps.get(`${hook}/${name}`) as HookSteps[H] | undefined;
      if (step !== undefined) out.push({ name, step });
    }
    return out;
  }

  /** Hook name → names of the steps in force, in order (for logs, docs and tests). */
  describe(): Record<HookName, string[]> {
    const out = {} as Record<HookName, string[]>;
    for (const hook of Object.keys(STEP_ORDER) as HookName[]) out[hook] = this.stepsOf(hook).map((s) => s.name);
    return out;
  }

  /** Composes every hook and hands it to Aedes, once. No step can be added afterwards. */
  seal(broker: Aedes): void {
    if (this.sealed) throw new HookError('hooks sealed twice');
    this.sealed = true;
    broker.preConnect = chain3(this.stepsOf('preConnect'), TERMINAL.preConnect);
    broker.authenticate = chain4(this.stepsOf('authenticate'), TERMINAL.authenticate);
    broker.authorizePublish = chain3(this.stepsOf('authorizePublish'), TERMINAL.authorizePublish);
    broker.authorizeSubscribe = chain3(this.stepsOf('authorizeSubscribe'), TERMINAL.authorizeSubscribe);
    const aedesPublish = broker.publish.bind(broker) as unknown as PublishFn;
    const publish = chain3(this.stepsOf('publish'), aedesPublish);
    // Aedes' publish is called as (packet, done) by the broker's own code and as (packet, client, done) by its handlers.
    (broker as unknown as { publish: unknown }).publish = function publishSteps(
      packet: PublishPacket,
      client: Client | null | ((err?: Error | null) => void),
      done?: (err?: Error | null) => void,
    ) {
      if (typeof client === 'function') publish(packet, null, client);
      else publish(packet, client, done ?? noop);
    };
    broker.authorizeForward = forwardChain(this.stepsOf('authorizeForward').map((s) => s.step));
    broker.published = publishedChain(this.stepsOf('published').map((s) => s.step));
  }
}

function noop(): void {}

/**
 * Folds steps right to left onto `last`, so each step's `next` is the rest of the chain. One
 * function per arity: a rest-parameter version would allocate an array per call on the hot path.
 */
function chain3<A, B, C>(
  steps: Array<{ step: (a: A, b: B, c: C, next: (a: A, b: B, c: C) => void) => void }>,
  last: (a: A, b: B, c: C) => void,
): (a: A, b: B, c: C) => void {
  let next = last;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i].step;
    const rest = next;
    next = (a, b, c) => step(a, b, c, rest);
  }
  return next;
}

function chain4<A, B, C, D>(
  steps: Array<{ step: (a: A, b: B, c: C, d: D, next: (a: A, b: B, c: C, d: D) => void) => void }>,
  last: (a: A, b: B, c: C, d: D) => void,
): (a: A, b: B, c: C, d: D) => void {
  let next = last;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i].step;
    const rest = next;
    next = (a, b, c, d) => step(a, b, c, d, rest);
  }
  return next;
}

function forwardChain(steps: Array<HookSteps['authorizeForward']>): (client: Client, packet: AedesPublishPacket) => AedesPublishPacket | null {
  return function authorizeForward(client, packet) {
    let out: AedesPublishPacket | null = packet;
    for (let i = 0; i < steps.length && out !== null; i++) out = steps[i](client, out);
    return out;
  };
}

function publishedChain(steps: Array<HookSteps['published']>): (packet: AedesPublishPacket, client: Client | null, done: (err?: Error | null) => void) => void {
  return function published(packet, client, done) {
    // Broker-originated messages ($SYS heartbeats, API publishes) have no client and are not counted or ruled.
    if (client !== null) for (let i = 0; i < steps.length; i++) steps[i](packet, client);
    done(null);
  };
}
