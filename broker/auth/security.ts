import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { AUTHN_COMPLETE } from '../events.js';
import type { Aedes, AedesOptions, AuthenticateError, Client } from 'aedes';
import type client from 'prom-client';
import type { RulemqConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import type { GuardExtras } from '../listeners/guard-connection.js';
import type { HttpReply } from '../http/router.js';
import type { IncomingMessage } from 'node:http';
import { Acl } from '../acl/acl.js';
import { provideAuthorization } from '../acl/install.js';
import type { BrokerHooks } from '../hooks.js';
import { SecurityCounters, registerSecurityMetrics } from '../limits/counters.js';
import { ConnectionGate } from '../limits/connection-gate.js';
import { providePublishRate } from '../limits/publish-rate.js';
import { provideQueueLimit } from '../limits/queue-limit.js';
import { RetainedLimit } from '../limits/retained-limit.js';
import { provideSlowSubscriber } from '../limits/slow-subscriber.js';
import { installIncomingQos2 } from '../limits/incoming-qos2.js';
import { MqttInspector, type InspectorLimits } from '../validation/inspector.js';
import { connectLevelOf, violationReply } from '../validation/violations.js';
import { Authenticator } from './authenticator.js';
import { createApiAuthorizer } from './http-api.js';
import { readAclFile, readPasswordFile } from './load-files.js';
import type { PasswordDb } from './password-file.js';

const IDENTITY = Symbol('rulemq.identity');

interface Identity {
  readonly username: string | undefined;
  /** The password-file hash the client logged in with; a reload that changes it disconnects the client. */
  readonly hashText: string | undefined;
}

export interface SecurityOptions {
  config: RulemqConfig;
  logger: Logger;
  registry: client.Registry;
  /** True with Aedes' built-in in-memory persistence (maxQueuedMessages applies only there). */
  inMemoryPersistence: boolean;
}

/**
 * The security layer of the broker: authentication (password file, anonymous access, TLS
 * identity), authorization (ACL file, $SYS), limits (connections, rates, sizes, queues) and the
 * MQTT input validation that runs in each connection's packet guard. Files are read when it is
 * created, so a bad password or ACL file stops start-up; SIGHUP reloads them (a bad file then
 * keeps the old one). startRulemq creates one and wires it in.
 */
export class Security {
  readonly counters = new SecurityCounters();
  /** For the HTTP router: null, or a function refusing /api/* requests without the token. */
  readonly httpAuthorizer: ((req: IncomingMessage, path: string) => HttpReply | null) | null;
  private readonly config: RulemqConfig;
  private readonly logger: Logger;
  private readonly authenticator: Authenticator;
  private readonly gate: ConnectionGate;
  private readonly inspectorLimits: InspectorLimits;
  private readonly inMemoryPersistence: boolean;
  private acl: Acl | null = null;
  /** Bounds and counts the retained messages stored through this node. */
  readonly retained: RetainedLimit;
  private aclGeneration = 0;
  private broker: Aedes | null = null;
  private readonly onSighup = () => void this.reload('SIGHUP');
  /** Counts a configured limit an inspector hit (shared by every connection's inspector). */
  private readonly onLimit = (limit: string) => this.counters.limit(limit);

  constructor(options: SecurityOptions) {
    const { config, logger } = options;
    this.config = config;
    this.logger = logger;
    this.inMemoryPersistence = options.inMemoryPersistence;
    const passwords = config.passwordFile ? readPasswordFile(config.passwordFile, logger) : null;
    if (config.aclFile) this.acl = new Acl(readAclFile(config.aclFile, logger), ++this.aclGeneration);
    this.authenticator = new Authenticator({ allowAnonymous: config.allowAnonymous, useIdentityAsUsername: config.useIdentityAsUsername }, passwords);
    this.retained = new RetainedLimit(
      { maxMessages: config.maxRetainedMessages, maxBytes: config.maxRetainedBytes, maxPayloadBytes: config.maxRetainedPayloadBytes },
      this.counters,
    );
    this.gate = new ConnectionGate(config.maxConnections, config.maxConnectRate, this.counters);
    this.inspectorLimits = {
      maxClientIdBytes: config.maxClientIdBytes,
      maxTopicBytes: config.maxTopicBytes,
      maxTopicLevels: config.maxTopicLevels,
      maxKeepaliveSeconds: config.maxKeepaliveSeconds,
      topicAliasMaximum: config.topicAliasMaximum,
    };
    this.httpAuthorizer = config.httpApiToken ? createApiAuthorizer(config.httpApiToken) : null;
    registerSecurityMetrics(options.registry, this.counters);
  }

  /** Aedes options that carry limits Aedes enforces itself. */
  get aedesOptions(): AedesOptions {
    return { maxTopicLevels: this.config.maxTopicLevels, drainTimeout: this.config.slowClientTimeoutMs };
  }

  /**
   * Provides the authentication, authorization and limit steps of the broker's hooks (broker/hooks.ts
   * orders them) and the listeners they need on `broker`.
   */
  install(broker: Aedes, hooks: BrokerHooks): void {
    this.broker = broker;
    const events = broker as unknown as EventEmitter;
    hooks.provide('authenticate', 'auth.credentials', (c, username, password, done) => {
      this.authenticator.authenticate(c, username, password).then(
        (outcome) => {
          this.counters.authResult(outcome.result);
          events.emit(
            AUTHN_COMPLETE,
            c,
            outcome.ok ? 'success' : outcome.returnCode === 4 ? 'bad_username_or_password' : 'not_authorized',
            outcome.ok && outcome.method === 'none',
          );
          if (outcome.ok) {
            const entry =
              outcome.method === 'password' && outcome.username !== undefined ? this.authenticator.passwords?.users.get(outcome.username) : undefined;
            // An anonymous client has nothing to remember: no object on it (usernameOf then reads undefined).
            if (outcome.username !== undefined || entry !== undefined) {
              const identity: Identity = { username: outcome.username, hashText: entry?.text };
              (c as unknown as Record<symbol, Identity>)[IDENTITY] = identity;
            }
            done(null, true);
            return;
          }
          this.logger.info({ clientid: c.id, username, result: outcome.result }, 'connection refused: not authorized');
          const e = new Error(`not authorized (${outcome.result})`) as AuthenticateError;
          e.returnCode = connackCode(c.version, outcome.result, outcome.returnCode);
          done(e, false);
        },
        (error: unknown) => {
          this.logger.error({ clientid: c.id, err: String(error) }, 'authentication failed');
          const e = new Error('authentication failed') as AuthenticateError;
          e.returnCode = 3; // server unavailable
          done(e, false);
        },
      );
    });
    provideAuthorization(
      hooks,
      { acl: () => this.acl, usernameOf, counters: this.counters, events: broker as unknown as EventEmitter },
      this.config.aclFile !== null,
    );
    if (this.config.maxPublishRate > 0) providePublishRate(hooks, this.config.maxPublishRate, this.counters);
    this.retained.install(broker);
    if (this.config.maxClientOutgoingBytes > 0) provideSlowSubscriber(hooks, events, this.config.maxClientOutgoingBytes, this.counters);
    if (this.config.maxQueuedMessages > 0 && this.inMemoryPersistence) provideQueueLimit(broker, hooks, this.config.maxQueuedMessages, this.counters);
    // Not a hook step: it wraps the persistence's incoming QoS 2 store (see the file).
    installIncomingQos2(broker, this.config.maxInflightInbound, this.counters);
    process.on('SIGHUP', this.onSighup);
  }

  /**
   * Admits a new network connection (connection count and rate); false = it was closed. An admitted
   * connection must be `release()`d once, when it closes.
   */
  admit(conn: Duplex): boolean {
    return this.gate.admit(conn) === null;
  }

  /** An admitted connection closed. */
  release(): void {
    this.gate.release();
  }

  /**
   * The MQTT validation of the connections' packet guards: one object for the broker, which gives each
   * new connection its inspector.
   */
  readonly guardExtras: GuardExtras = {
    inspector: () => new MqttInspector(this.inspectorLimits, this.onLimit),
    replyFor: (violation, chunk, inspector) => {
      const mqtt = inspector as MqttInspector;
      // A CONNECT refused for its size was never read: its protocol level is still in the chunk.
      const level = mqtt.protocolLevel || (violation === 'packet_too_large' ? connectLevelOf(chunk) : 0);
      return violationReply(violation, level, mqtt.connectDone);
    },
  };

  /** Counts a WebSocket upgrade refused for its header size. */
  wsHeaderOverflow(): void {
    this.counters.limit('ws_header');
  }

  /**
   * Re-reads the password and ACL files. A file with errors keeps the previous version (logged).
   * Clients whose user was removed or whose password changed are disconnected, as mosquitto does.
   * Returns the problems found (empty when both files loaded).
   */
  reload(reason = 'reload'): string[] {
    const problems: string[] = [];
    const { passwordFile, aclFile } = this.config;
    if (passwordFile) {
      try {
        const db = readPasswordFile(passwordFile, this.logger);
        this.authenticator.setPasswords(db);
        this.disconnectStale(db);
        this.logger.info({ file: passwordFile, users: db.users.size, reason }, 'password file reloaded');
      } catch (err) {
        problems.push((err as Error).message);
        this.logger.error({ file: passwordFile, err: (err as Error).message }, 'password file not reloaded; the previous one stays in force');
      }
    }
    if (aclFile) {
      try {
        this.acl = new Acl(readAclFile(aclFile, this.logger), ++this.aclGeneration);
        this.logger.info({ file: aclFile, reason }, 'ACL file reloaded');
      } catch (err) {
        problems.push((err as Error).message);
        this.logger.error({ file: aclFile, err: (err as Error).message }, 'ACL file not reloaded; the previous one stays in force');
      }
    }
    return problems;
  }

  /** Logs loud warnings for settings that leave the broker open, once the listeners are bound. */
  warnOnOpenAccess(listeners: ReadonlyArray<{ name: string; host: string; port: number }>): void {
    const { config } = this;
    const anonymousOn = listeners.filter(
      (l) =>
        l.name.startsWith('mqtt-') &&
        !isLoopback(l.host) &&
        config.allowAnonymous &&
        !(config.useIdentityAsUsername && (l.name === 'mqtt-tls' || l.name === 'mqtt-wss')),
    );
    if (anonymousOn.length > 0) {
      const where = anonymousOn.map((l) => `${l.name} ${l.host}:${l.port}`).join(', ');
      this.logger.warn(
        { listeners: anonymousOn.map((l) => l.name) },
        `SECURITY WARNING: anonymous MQTT clients are accepted on ${where}, reachable from other hosts. Set allowAnonymous: false with a passwordFile (rulemq passwd), or bind host to 127.0.0.1. See docs/security.md.`,
      );
    }
    const http = listeners.find((l) => l.name === 'http');
    if (http && !isLoopback(http.host) && !config.httpApiToken) {
      this.logger.warn(
        { listener: 'http' },
        `SECURITY WARNING: the HTTP API on ${http.host}:${http.port} is reachable from other hosts without a token: set httpApiToken.`,
      );
    }
    if (!config.allowAnonymous && !config.passwordFile && !config.useIdentityAsUsername) {
      this.logger.warn('allowAnonymous is false and no passwordFile is set: every MQTT client will be refused');
    }
  }

  close(): void {
    process.off('SIGHUP', this.onSighup);
  }

  private disconnectStale(db: PasswordDb): void {
    const clients = (this.broker as unknown as { clients?: Record<string, Client> } | null)?.clients;
    if (!clients) return;
    for (const c of Object.values(clients)) {
      const identity = (c as unknown as Record<symbol, Identity | undefined>)[IDENTITY];
      if (identity?.hashText === undefined || identity.username === undefined) continue;
      if (db.users.get(identity.username)?.text !== identity.hashText) {
        this.logger.info({ clientid: c.id, username: identity.username }, 'disconnecting: user removed or password changed');
        c.disconnect({ reasonCode: NOT_AUTHORIZED }); // MQTT 5: DISCONNECT 0x87 first; 3.1.1: closed
      }
    }
  }
}

/**
 * The CONNACK return code of a refusal. MQTT 3.1.1 clients get 5 for a wrong password, as mosquitto
 * answers. MQTT 5 tells bad credentials (0x86 Bad User Name or Password) from a refused identity
 * (0x87 Not authorized); Aedes turns return code 4 into 0x86 and 5 into 0x87 (§3.2.2.2).
 */
function connackCode(version: number, result: string, returnCode: 4 | 5): 4 | 5 {
  if (version !== 5) return returnCode;
  return result === 'bad_password' || result === 'unknown_user' ? 4 : 5;
}

/** MQTT 5 reason code 0x87 Not authorized (§3.14.2.1). */
const NOT_AUTHORIZED = 0x87;

function usernameOf(c: Client): string | undefined {
  return (c as unknown as Record<symbol, Identity | undefined>)[IDENTITY]?.username;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1';
}
