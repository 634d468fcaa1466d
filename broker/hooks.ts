import type { Aedes, AuthenticateError } from 'aedes';

const EMPTY_ID_PERSISTENT = Symbol('rulemq.emptyIdPersistent');

/**
 * CONNECT rules bare Aedes skips. An empty client id with clean session false must be refused
 * with CONNACK 0x02 (identifier rejected) [MQTT-3.1.3-8]; Aedes invents an id instead. The
 * CONNECT packet is only visible in preConnect, and a CONNACK code can only be chosen from
 * authenticate, so preConnect marks the client and authenticate refuses it. Other plugins that
 * replace `authenticate` must wrap the one installed here.
 */
export function installConnectRules(broker: Aedes): void {
  const preConnect = broker.preConnect;
  broker.preConnect = function rulemqPreConnect(client, packet, callback) {
    if ((packet.clientId ?? '') === '' && packet.clean === false) {
      (client as unknown as Record<symbol, boolean>)[EMPTY_ID_PERSISTENT] = true;
    }
    preConnect.call(this, client, packet, callback);
  };
  const authenticate = broker.authenticate;
  broker.authenticate = function rulemqAuthenticate(client, username, password, done) {
    if ((client as unknown as Record<symbol, boolean>)[EMPTY_ID_PERSISTENT]) {
      const err = new Error('client id must not be empty when clean session is false') as AuthenticateError;
      err.returnCode = 2; // identifier rejected
      done(err, false);
      return;
    }
    authenticate.call(this, client, username, password, done);
  };
}
