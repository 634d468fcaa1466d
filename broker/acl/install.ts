import type { Aedes, AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
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
}

/** `$SYS` topics are the broker's: clients never publish there (Aedes #597; mosquitto denies it too). */
function isSys(topic: string): boolean {
  return topic.startsWith('$SYS') && (topic.length === 4 || topic.charCodeAt(4) === 0x2f);
}

/**
 * Wraps Aedes' authorizePublish / authorizeSubscribe / authorizeForward (keeping whatever was
 * installed before) with the ACL and the $SYS rule:
 *  - a denied PUBLISH is dropped and counted, the connection stays up, and QoS 1/2 are still
 *    acknowledged (PUBACK; PUBREC then PUBCOMP), exactly as mosquitto answers;
 *  - a denied subscription gets SUBACK 0x80 [MQTT-3.9.3-2];
 *  - every delivery checks READ for the receiving client, so a wide subscription only ever
 *    carries topics the client may read.
 * Without an ACL only the $SYS rule is added: no per-message work beyond a prefix test.
 */
export function installAuthorization(broker: Aedes, deps: AuthorizationDeps, aclConfigured: boolean): void {
  const { counters } = deps;
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

  // Aedes calls broker.publish(packet, client, done) once authorizePublish succeeded: a marked
  // packet ends here, after Aedes has already sent its PUBACK or PUBREC.
  const publish = broker.publish as unknown as (packet: PublishPacket, client: unknown, done?: unknown) => void;
  (broker as unknown as { publish: typeof publish }).publish = function dropDenied(this: Aedes, packet, client, done) {
    if ((packet as Marked)[DENIED] === true) {
      const cb = (typeof client === 'function' ? client : done) as ((err?: Error | null) => void) | undefined;
      // Asynchronous, as a real publish completes: a synchronous callback would re-enter the MQTT parser.
      if (cb) process.nextTick(cb, null);
      return;
    }
    publish.call(this, packet, client, done);
  };

  const authorizePublish = broker.authorizePublish;
  broker.authorizePublish = function rulemqAuthorizePublish(client, packet, callback) {
    if (client !== null) {
      const topic = packet.topic;
      const own = aclConfigured ? aclOf(client) : null;
      if (isSys(topic) || (own !== null && !own.allows(topic, WRITE))) {
        counters.denied.publish++;
        (packet as Marked)[DENIED] = true;
        callback(null);
        return;
      }
    }
    authorizePublish.call(this, client, packet, callback);
  };

  if (!aclConfigured) return;

  const authorizeSubscribe = broker.authorizeSubscribe;
  broker.authorizeSubscribe = function rulemqAuthorizeSubscribe(client, sub: Subscription, done) {
    const own = aclOf(client);
    if (own !== null && !own.allowsSubscribe(sub.topic)) {
      counters.denied.subscribe++;
      done(null, null); // SUBACK return code 0x80 for this filter [MQTT-3.9.3-2]
      return;
    }
    authorizeSubscribe.call(this, client, sub, done);
  };

  const authorizeForward = broker.authorizeForward;
  broker.authorizeForward = function rulemqAuthorizeForward(client, packet: AedesPublishPacket) {
    const own = aclOf(client);
    if (own !== null && !own.allows(packet.topic, READ)) {
      counters.denied.deliver++;
      return null;
    }
    return authorizeForward.call(this, client, packet);
  };
}
