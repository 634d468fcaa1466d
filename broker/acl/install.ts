import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';
import { AUTHZ_COMPLETE } from '../events.js';
import { isSysTopic } from '../../common/topics.js';
import type { BrokerHooks } from '../hooks.js';
import type { SecurityCounters } from '../limits/counters.js';
import { READ, WRITE, type Acl, type ClientAcl } from './acl.js';

const CLIENT_ACL = Symbol('rulemq.clientAcl');
/** Marks a PUBLISH the authorization refused: Aedes acknowledges it, broker.publish drops it. */
const DENIED = Symbol('rulemq.denied');

type Marked = { [DENIED]?: true };
type WithAcl = { [CLIENT_ACL]?: ClientAcl };

export interface AuthorizationDeps {
  /** The ACL in force now (it changes on reload), or null when no aclFile is configured. */
  acl(): Acl | null;
  /** The user name the client authenticated as (the certificate CN with useIdentityAsUsername). */
  usernameOf(client: Client): string | undefined;
  counters: SecurityCounters;
  /** Where AUTHZ_COMPLETE is emitted, only while something listens (the rules of $events/client_check_authz_complete). */
  events: EventEmitter;
}

/**
 * Provides the ACL and $SYS steps of the broker's hooks:
 *  - a denied PUBLISH is dropped and counted, the connection stays up, and QoS 1/2 are still
 *    acknowledged: MQTT 5 with reason code 0x87 (Not authorized); MQTT 3.1.1 with a plain PUBACK
 *    (PUBREC then PUBCOMP), exactly as mosquitto answers, since it has no code for it: acl.publish marks
 *    it and ends the authorization (later steps, such as the sink-mode ack hold, never see it),
 *    acl.drop-denied ends it when Aedes publishes it after the acknowledgement;
 *  - a denied subscription gets SUBACK 0x80 [MQTT-3.9.3-2] (MQTT 5: 0x87 Not authorized, from Aedes);
 *  - every delivery checks READ for the receiving client, so a wide subscription only ever
 *    carries topics the client may read.
 * Without an ACL only the $SYS rule is added: no per-message work beyond a prefix test.
 */
export function provideAuthorization(hooks: BrokerHooks, deps: AuthorizationDeps, aclConfigured: boolean): void {
  const { counters, events } = deps;
  const source = aclConfigured ? 'file' : 'default';
  const aclOf = (client: Client): ClientAcl | null => {
    const acl = deps.acl();
    if (acl === null) return null;
    const c = client as unknown as WithAcl;
    let own = c[CLIENT_ACL];
    if (own === undefined || own.generation !== acl.generation) {
      own = acl.compile(client.id, deps.usernameOf(client));
      c[CLIENT_ACL] = own;
    }
    return own;
  };

  hooks.provide('authorizePublish', 'acl.publish', (client, packet, callback, next) => {
    if (client !== null) {
      const topic = packet.topic;
      const own = aclConfigured ? aclOf(client) : null;
      const allowed = !isSysTopic(topic) && (own === null || own.allows(topic, WRITE));
      if (events.listenerCount(AUTHZ_COMPLETE) !== 0) events.emit(AUTHZ_COMPLETE, client, topic, 'publish', source, allowed ? 'allow' : 'deny');
      if (!allowed) {
        counters.denied.publish++;
        // MQTT 5 has a reason code for it: Aedes answers an authorization error from a v5 client with
        // PUBACK/PUBREC 0x87 Not authorized, drops the message and keeps the connection [MQTT-3.4.2-1] (§3.4.2.1).
        if (client.version === 5) {
          callback(new Error(`not authorized to publish to ${topic}`));
          return;
        }
        (packet as Marked)[DENIED] = true;
        callback(null);
        return;
      }
    }
    next(client, packet, callback);
  });
  hooks.provide('publish', 'acl.drop-denied', (packet, client, done, next) => {
    // Asynchronous, as a real publish completes: a synchronous callback would re-enter the MQTT parser.
    if ((packet as Marked)[DENIED] === true) process.nextTick(done, null);
    else next(packet, client, done);
  });

  hooks.provide('authorizeSubscribe', 'acl.subscribe', (client, sub, done, next) => {
    const own = aclConfigured ? aclOf(client) : null;
    const allowed = own === null || own.allowsSubscribe(sub.topic);
    if (events.listenerCount(AUTHZ_COMPLETE) !== 0) events.emit(AUTHZ_COMPLETE, client, sub.topic, 'subscribe', source, allowed ? 'allow' : 'deny');
    if (!allowed) {
      counters.denied.subscribe++;
      done(null, null); // SUBACK return code 0x80 for this filter [MQTT-3.9.3-2]
      return;
    }
    next(client, sub, done);
  });

  if (!aclConfigured) return;

  hooks.provide('authorizeForward', 'acl.deliver', (client, packet) => {
    const own = aclOf(client);
    if (own !== null && !own.allows(packet.topic, READ)) {
      counters.denied.deliver++;
      return null;
    }
    return packet;
  });
}
