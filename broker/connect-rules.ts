import type { AuthenticateError, Client } from 'aedes';
import type { BrokerHooks } from './hooks.js';

const EMPTY_ID_PERSISTENT = Symbol('rulemq.emptyIdPersistent');
type Marked = { [EMPTY_ID_PERSISTENT]?: true };

/**
 * CONNECT rules bare Aedes skips. An empty client id with clean session false must be refused
 * with CONNACK 0x02 (identifier rejected) [MQTT-3.1.3-8]; Aedes invents an id instead. The
 * CONNECT packet is only visible in preConnect, and a CONNACK code can only be chosen from
 * authenticate, so the preConnect step marks the client and the authenticate step refuses it.
 */
export function provideConnectRules(hooks: BrokerHooks): void {
  hooks.provide('preConnect', 'connect.empty-persistent-id', (client, packet, callback, next) => {
    if ((packet.clientId ?? '') === '' && packet.clean === false) (client as Client & Marked)[EMPTY_ID_PERSISTENT] = true;
    next(client, packet, callback);
  });
  hooks.provide('authenticate', 'connect.empty-persistent-id', (client, username, password, callback, next) => {
    if ((client as Client & Marked)[EMPTY_ID_PERSISTENT]) {
      const err = new Error('client id must not be empty when clean session is false') as AuthenticateError;
      err.returnCode = 2; // identifier rejected
      callback(err, false);
      return;
    }
    next(client, username, password, callback);
  });
}
