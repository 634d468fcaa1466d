/**
 * ack_mode = 'sink' on the broker side. Aedes calls `authorizePublish(client, packet, callback)`
 * before it acknowledges (PUBACK / PUBREC) and stores a client's PUBLISH, and goes on only when
 * `callback` is called. The gate is the last authorizePublish step (broker/hooks.ts: the cluster,
 * rate limit and ACL steps decide first), and for a QoS 1/2 PUBLISH matched by an enabled
 * rule with a sink-mode action it runs the message's rules right there and answers once every
 * sink-mode row is written (AckHold). The first failure answers with that error: Aedes then closes
 * the connection without acknowledging, and the client resends (MQTT 3.1.1 has no negative PUBACK).
 * An MQTT 5 client is told first, with DISCONNECT 0x89 Server busy (Aedes would otherwise answer
 * an error from authorizePublish with PUBACK 0x87 Not authorized and keep the message lost).
 * The message is marked so the 'publish' event does not run its rules a second time.
 *
 * Broker mode costs one function call and one boolean read per PUBLISH: nothing is allocated, no
 * packet is marked, and the 'publish' listener only looks for the mark once a message was held.
 */
import type { Aedes, AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { BrokerHooks } from '../broker/hooks.js';
import { RateLimitedLog, silentLogger, type Logger } from '../common/logger.js';
import { AckHold, type AckCallback, type AckHoldObserver } from './ack-hold.js';
import type { EvalContext } from './context.js';
import type { RuleSet } from './rule-set.js';
import type { RuntimeRule } from './runtime-rule.js';

const DOLLAR = 36; // '$'

/** Set on a PUBLISH whose rules already ran in authorizePublish. */
const RULES_RAN = Symbol('rulemq.rulesRan');
type MarkedPacket = { [RULES_RAN]?: true };

/** Messages held, acknowledged once written, refused (connection closed without acknowledgement). */
export interface AckCounters {
  held: number;
  written: number;
  refused: number;
}

/** What the gate needs from the rule engine. */
export interface AckGateHost {
  readonly current: RuleSet;
  messageContext(packet: AedesPublishPacket, client: Client): EvalContext;
}

interface IncomingStore {
  incomingGetPacket(client: Client, packet: { messageId?: number }): Promise<unknown>;
}

/** MQTT 5 reason code 0x89 Server busy (§3.14.2.1). */
export const SERVER_BUSY = 0x89;

/** For an MQTT 5 client, a refusal closes the connection with DISCONNECT 0x89 before Aedes hears of it. */
function disconnectOnRefusal(client: Client, callback: AckCallback): AckCallback {
  return (err) => {
    if (!err) callback(null);
    else client.disconnect({ reasonCode: SERVER_BUSY }, () => callback(err));
  };
}

export class AckGate implements AckHoldObserver {
  readonly acks: AckCounters = { held: 0, written: 0, refused: 0 };
  /** True once a message was held: only then can a packet carry the mark. */
  private marking = false;
  private store: IncomingStore | undefined;
  /** Refusals can repeat once per message while a sink is down: at most one line per 10 s, with a count. */
  private readonly log: RateLimitedLog;

  constructor(
    private readonly host: AckGateHost,
    logger: Logger = silentLogger,
  ) {
    this.log = new RateLimitedLog(logger);
  }

  /** Provides the last authorizePublish step: every step before it has allowed the PUBLISH. */
  install(broker: Aedes, hooks: BrokerHooks): void {
    this.store = (broker as unknown as { persistence?: IncomingStore }).persistence;
    hooks.provide('authorizePublish', 'rules.ack-hold', (client, packet, callback, next) => {
      // No sink-mode rule loaded, QoS 0, or no client (wills of other nodes): straight through.
      if (!this.host.current.holdsAcks || packet.qos === 0 || client === null) next(client, packet, callback);
      else this.hold(client, packet, callback);
    });
  }

  /** Whether the rules of this message already ran in authorizePublish (the 'publish' event then skips it). */
  ran(packet: AedesPublishPacket): boolean {
    return this.marking && (packet as MarkedPacket)[RULES_RAN] === true;
  }

  /** An authorized QoS 1/2 PUBLISH: hold it when an enabled rule with a sink-mode action matches it. */
  hold(client: Client, packet: PublishPacket, callback: AckCallback): void {
    const topic = packet.topic;
    // Wills come here too (no cmd): they must go out whatever a sink does, and nobody waits for an ack.
    if ((packet as { cmd?: string }).cmd !== 'publish' || (topic.charCodeAt(0) === DOLLAR && topic.startsWith('$SYS'))) return callback(null);
    const rules = this.host.current.publishIndex.match(topic);
    let holds = false;
    for (let i = 0; i < rules.length; i++) if (rules[i].enabled && rules[i].holdsAcks) holds = true;
    if (!holds) return callback(null);
    if (packet.qos === 2 && packet.dup && this.store) {
      // A resent QoS 2 PUBLISH that Aedes already stored only gets its PUBREC again and is not
      // published again: its rules ran the first time and must not run twice.
      this.store.incomingGetPacket(client, packet).then(
        () => callback(null),
        () => this.run(rules, client, packet, callback),
      );
      return;
    }
    this.run(rules, client, packet, callback);
  }

  private run(rules: readonly RuntimeRule[], client: Client, packet: PublishPacket, callback: AckCallback): void {
    const ctx = this.host.messageContext(packet as AedesPublishPacket, client);
    (packet as MarkedPacket)[RULES_RAN] = true;
    this.marking = true;
    this.acks.held++;
    const hold = new AckHold(client.version === 5 ? disconnectOnRefusal(client, callback) : callback, this, client.id, packet.topic);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.enabled) rule.run(ctx, hold);
    }
    hold.release();
  }

  written(): void {
    this.acks.written++;
  }

  refused(hold: AckHold, err: Error): void {
    this.acks.refused++;
    this.log.log(
      'warn',
      'refused',
      { clientid: hold.clientId, topic: hold.topic, code: (err as { code?: string }).code, err: err.message },
      'PUBLISH not acknowledged: a sink-mode action did not write its rows; closing the connection so the client resends',
    );
  }
}
