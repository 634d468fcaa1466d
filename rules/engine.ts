import type { EventEmitter } from 'node:events';
import type { Aedes, AedesPublishPacket, Client, ConnackPacket, Subscription } from 'aedes';
import type { BrokerHooks } from '../broker/hooks.js';
import { AckGate, type AckCounters } from './ack-gate.js';
import type { Logger } from '../common/logger.js';
import {
  AUTHN_COMPLETE,
  AUTHZ_COMPLETE,
  DELIVERY_DROPPED,
  type AuthnCompleteListener,
  type AuthzCompleteListener,
  type DeliveryDroppedListener,
} from '../broker/events.js';
import { createEventContext, type EvalContext } from './context.js';
import { clientInfo, recordConnect } from './client-info.js';
import {
  clientCheckAuthnComplete,
  clientCheckAuthzComplete,
  clientConnack,
  clientConnected,
  clientDisconnected,
  deliveryDropped,
  messageAcked,
  messageDelivered,
  sessionSubscribed,
  sessionUnsubscribed,
  type EventDescriptor,
} from './events/index.js';
import { publishContext } from './events/message-publish.js';
import type { LiveEvent } from './events/types.js';
import { connackReason, disconnectReason } from './reason-codes.js';
import { RuleSet } from './rule-set.js';
import type { RuntimeRule } from './runtime-rule.js';

const DOLLAR = 36; // '$'

/** Message ids: a per-node prefix + the broker's packet counter, in hex (EMQX ids are 32 hex digits). */
function idPrefix(brokerId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < brokerId.length; i++) h = Math.imul(h ^ brokerId.charCodeAt(i), 0x01000193) >>> 0;
  return (Date.now().toString(16).padStart(12, '0') + h.toString(16).padStart(8, '0')).slice(0, 20).toUpperCase();
}

/** Upper-case hex of each byte: ids are built by table lookup (toString(16) + toUpperCase cost ~14 % of the publish path). */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** A counter as 12 upper-case hex digits (48 bits). */
function hex48(n: number): string {
  const hi = Math.floor(n / 0x1000000);
  const lo = n % 0x1000000;
  return (
    HEX_BYTE[(hi >>> 16) & 255] +
    HEX_BYTE[(hi >>> 8) & 255] +
    HEX_BYTE[hi & 255] +
    HEX_BYTE[(lo >>> 16) & 255] +
    HEX_BYTE[(lo >>> 8) & 255] +
    HEX_BYTE[lo & 255]
  );
}

/**
 * Connects Aedes to the loaded rules. Messages published by clients reach the topic index through
 * the `rules.run` step of the `published` hook (broker/hooks.ts): $SYS messages and messages the
 * broker or a rule republished (no client) never do, which prevents rule loops. `$events/...`
 * contexts are built only when some rule selects from that event.
 */
export class RuleEngine {
  private set: RuleSet = RuleSet.empty();
  private prefix = '';
  private counter = 0;
  private broker: EventEmitter | null = null;
  /** ack_mode = 'sink': holds QoS 1/2 messages in authorizePublish until their rows are written. */
  private readonly gate: AckGate;

  constructor(
    private readonly nodeName: string,
    logger?: Logger,
  ) {
    this.gate = new AckGate(this, logger);
  }

  /** Messages held for ack_mode = 'sink', and how they ended. */
  get acks(): AckCounters {
    return this.gate.acks;
  }

  get current(): RuleSet {
    return this.set;
  }

  /** Atomically replaces the loaded rules. */
  swap(next: RuleSet): RuleSet {
    const prev = this.set;
    this.set = next;
    this.listenWhileSelected();
    return prev;
  }

  /**
   * Authorization checks and delivery drops can happen once per message: the broker emits them only
   * while someone listens, so the engine listens only while a rule selects from their event.
   */
  private listenWhileSelected(): void {
    const broker = this.broker;
    if (broker === null) return;
    for (const [eventType, name, typed] of this.perMessageEvents) {
      const listener = typed as (...args: unknown[]) => void;
      const wanted = this.set.eventRules.has(eventType);
      const listening = broker.listeners(name).includes(listener);
      if (wanted && !listening) broker.on(name, listener);
      else if (!wanted && listening) broker.off(name, listener);
    }
  }

  private readonly perMessageEvents: ReadonlyArray<[string, string, (...args: never[]) => void]> = [
    [
      'client_check_authz_complete',
      AUTHZ_COMPLETE,
      ((client, topic, action, source, result) =>
        this.emit(clientCheckAuthzComplete, client, { authz: { topic, action, source, result } })) satisfies AuthzCompleteListener,
    ],
    [
      'delivery_dropped',
      DELIVERY_DROPPED,
      ((client, packet, reason) => this.emit(deliveryDropped, client, { message: this.delivered(packet), reason })) satisfies DeliveryDroppedListener,
    ],
  ];

  attach(broker: Aedes, hooks: BrokerHooks): void {
    this.prefix = idPrefix(broker.id);
    this.gate.install(broker, hooks);
    hooks.provide('preConnect', 'rules.record-connect', (client, packet, callback, next) => {
      recordConnect(client, packet);
      next(client, packet, callback);
    });
    hooks.provide('published', 'rules.run', (packet, client) => this.onPublish(packet, client));
    hooks.provide('authorizeForward', 'rules.message-delivered', (client, packet) => {
      if (this.set.eventRules.has('message_delivered')) this.emit(messageDelivered, client, { message: this.delivered(packet) });
      return packet;
    });
    broker.on('clientReady', (client: Client) => this.emit(clientConnected, client, {}));
    broker.on('keepaliveTimeout', (client: Client) => {
      clientInfo(client).keepaliveTimedOut = true;
    });
    broker.on('clientDisconnect', (client: Client) => this.emit(clientDisconnected, client, { reason: disconnectedReason(client) }));
    broker.on('connackSent', (packet: ConnackPacket, client: Client) => {
      const code = packet.reasonCode ?? packet.returnCode ?? 0;
      this.emit(clientConnack, client, { reasonCode: connackReason(code, clientInfo(client).protoVer) });
    });
    broker.on('subscribe', (subs: Subscription[], client: Client) => {
      if (!this.set.eventRules.has('session_subscribed')) return;
      for (const sub of subs) this.emit(sessionSubscribed, client, { subscription: { topic: sub.topic, qos: sub.qos } });
    });
    broker.on('unsubscribe', (topics: string[], client: Client) => {
      if (!this.set.eventRules.has('session_unsubscribed')) return;
      for (const topic of topics) this.emit(sessionUnsubscribed, client, { subscription: { topic, qos: 0 } });
    });
    broker.on('ack', (packet, client: Client) => {
      // Aedes reports acks of packets it no longer holds with an undefined packet.
      if (packet && (packet.cmd === 'publish' || (packet as { topic?: string }).topic)) {
        this.emit(messageAcked, client, { message: this.delivered(packet as AedesPublishPacket) });
      }
    });
    const onAuthn: AuthnCompleteListener = (client, reasonCode, isAnonymous) =>
      this.emit(clientCheckAuthnComplete, client, { reasonCode, authn: { isSuperuser: false, isAnonymous } });
    (broker as unknown as EventEmitter).on(AUTHN_COMPLETE, onAuthn);
    this.broker = broker as unknown as EventEmitter;
    this.listenWhileSelected();
  }

  /** The publish hot path: index lookup, one context per message shared by every matching rule. */
  onPublish(packet: AedesPublishPacket, client: Client): void {
    if (this.gate.ran(packet)) return; // ack_mode = 'sink': its rules ran in authorizePublish
    const topic = packet.topic;
    if (topic.charCodeAt(0) === DOLLAR && topic.startsWith('$SYS')) return;
    const rules = this.set.publishIndex.match(topic);
    if (rules.length === 0) return;
    const ctx = this.messageContext(packet, client);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.enabled) rule.run(ctx);
    }
  }

  messageContext(packet: AedesPublishPacket, client: Client): EvalContext {
    // The id (hex of the broker's counter) is ~6 % of the publish path (engine-ab.js): built only when a loaded rule may read it.
    const id = this.set.publishReadsId ? this.nextId(packet) : undefined;
    return publishContext(packet, client.id, clientInfo(client), id, this.nodeName, Date.now());
  }

  /** A message as a delivery event sees it: its id and the packet (from_username is not known here: left undefined). */
  private delivered(packet: AedesPublishPacket): NonNullable<LiveEvent['message']> {
    return { id: this.nextId(packet), packet };
  }

  private nextId(packet: AedesPublishPacket): string {
    const n = typeof packet.brokerCounter === 'number' ? packet.brokerCounter : ++this.counter;
    // 2^48 + n in hex, minus its leading '1': a 12-digit zero-padded counter without padStart.
    return this.prefix + hex48(n);
  }

  /** Runs every rule selecting from `event`; its columns are only built when such rules exist. */
  private emit(event: EventDescriptor, client: Client, parts: Partial<LiveEvent>): void {
    const rules = this.set.eventRules.get(event.eventType);
    if (!rules || rules.length === 0) return;
    let ctx: EvalContext;
    try {
      ctx = createEventContext(event.live({ clientid: client.id, info: clientInfo(client), node: this.nodeName, now: Date.now(), ...parts }));
    } catch {
      // Building columns from an odd client or packet must never break Aedes' event loop.
      return;
    }
    runAll(rules, ctx);
  }
}

/** EMQX's `reason` of client.disconnected: the client's own DISCONNECT, or what ended the connection. */
function disconnectedReason(client: Client): string {
  const info = clientInfo(client);
  if (info.disconnect !== undefined) return disconnectReason(info.disconnect.reasonCode);
  if ((client as unknown as { _disconnected?: boolean })._disconnected === true) return 'normal';
  return info.keepaliveTimedOut ? 'keepalive_timeout' : 'tcp_closed';
}

function runAll(rules: readonly RuntimeRule[], ctx: EvalContext): void {
  for (let i = 0; i < rules.length; i++) if (rules[i].enabled) rules[i].run(ctx);
}
