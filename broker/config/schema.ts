/**
 * The configuration schema: one table with each key's type, default, flag, environment variable
 * and documentation. Flags, env vars, the config file and the README's reference all derive from it.
 */

export type SettingType =
  | { kind: 'string' }
  | { kind: 'path' }
  | { kind: 'port' } // 0..65535 (0 = chosen by the OS) or 'off' to disable the listener
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'intOrAuto'; min: number; max: number }; // an integer, or 'auto' (resolved at start-up)

export interface SettingSpec {
  /** camelCase key, as in the config file. */
  readonly key: keyof RulemqConfig;
  readonly type: SettingType;
  readonly default: string | number | boolean | null;
  /** How help shows the default when `default` alone would mislead (null or '' resolved at start-up). */
  readonly shownDefault?: string;
  readonly doc: string;
}

/** The frozen, validated configuration. Ports are null when the listener is off. */
export interface RulemqConfig {
  readonly host: string;
  readonly mqttPort: number | null;
  readonly tlsPort: number | null;
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  readonly tlsCa: string | null;
  readonly tlsVerifyClient: boolean;
  readonly tlsHandshakeTimeoutMs: number;
  readonly wsPort: number | null;
  readonly wssPort: number | null;
  readonly wsPath: string;
  readonly httpHost: string;
  readonly httpPort: number | null;
  readonly httpAddressFile: string | null;
  readonly rules: string | null;
  readonly logLevel: string;
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly nodeName: string;
  readonly maxPacketBytes: number;
  readonly maxIncompletePacketBytes: number;
  readonly connectTimeoutMs: number;
  readonly shutdownGraceMs: number;
  /** Largest output of one gunzip/unzip/zip_uncompress/term_decode call in a rule. */
  readonly maxDecompressedBytes: number;
  // Security (broker/auth, broker/acl, broker/limits, broker/validation; docs/security.md).
  readonly allowAnonymous: boolean;
  readonly passwordFile: string | null;
  readonly aclFile: string | null;
  readonly useIdentityAsUsername: boolean;
  readonly httpApiToken: string | null;
  readonly maxClientIdBytes: number;
  readonly maxTopicBytes: number;
  readonly maxTopicLevels: number;
  readonly maxKeepaliveSeconds: number;
  readonly maxInflightInbound: number;
  // MQTT 5 (broker/mqtt5; README "MQTT 5").
  readonly topicAliasMaximum: number;
  readonly sessionExpiryMaxSeconds: number;
  readonly maxPendingSessions: number;
  readonly serverKeepAliveSeconds: number;
  readonly maxQueuedMessages: number;
  readonly maxClientOutgoingBytes: number;
  readonly slowClientTimeoutMs: number;
  readonly maxRetainedMessages: number;
  readonly maxRetainedBytes: number;
  readonly maxRetainedPayloadBytes: number;
  readonly maxConnections: number;
  readonly maxConnectRate: number;
  readonly maxPublishRate: number;
  readonly wsMaxHeaderBytes: number;
  /** Shared Redis of a multi-node deployment; null = single node (in-memory state). */
  readonly redisUrl: string | null;
  readonly redisSentinelPassword: string | null;
  /** Worker processes sharing the listeners (1 = this process serves alone); 'auto' is resolved to the core count. */
  readonly workers: number;
  /** How a shared subscription group ($share/<group>/<filter>, $queue/<filter>) picks the member for a message. */
  readonly sharedSubscriptionStrategy: SharedStrategy;
}

/** EMQX's names (broker.shared_subscription_strategy); see broker/shared/strategy.ts. */
export const SHARED_STRATEGIES = ['round_robin', 'random', 'sticky', 'hash_clientid', 'hash_topic'] as const;
export type SharedStrategy = (typeof SHARED_STRATEGIES)[number];

/** The rules file used when `rules` is not set, relative to the working directory. */
export const DEFAULT_RULES_FILE = 'rules.sql';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const port = { kind: 'port' } as const;
const path = { kind: 'path' } as const;
const str = { kind: 'string' } as const;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'host', type: str, default: '0.0.0.0', doc: 'Address the MQTT listeners (TCP, TLS, WS, WSS) bind to.' },
  { key: 'mqttPort', type: port, default: 1883, doc: 'MQTT over TCP port; 0 = chosen by the OS; off = disabled.' },
  { key: 'tlsPort', type: port, default: 8883, doc: 'MQTT over TLS port; the listener starts only when tlsCert and tlsKey are set.' },
  { key: 'tlsCert', type: path, default: null, doc: 'PEM certificate (chain) file for TLS and WSS.' },
  { key: 'tlsKey', type: path, default: null, doc: 'PEM private key file for TLS and WSS.' },
  { key: 'tlsCa', type: path, default: null, doc: 'PEM CA file used to verify client certificates (with tlsVerifyClient).' },
  { key: 'tlsVerifyClient', type: { kind: 'bool' }, default: false, doc: 'Require a client certificate signed by tlsCa.' },
  {
    key: 'tlsHandshakeTimeoutMs',
    type: { kind: 'int', min: 100, max: 15000 },
    default: 10000,
    doc: 'Time a client has to finish the TLS handshake (Node allows 120 s by default).',
  },
  { key: 'wsPort', type: port, default: 8083, doc: 'MQTT over WebSocket port (path wsPath); off = disabled.' },
  { key: 'wssPort', type: port, default: 8084, doc: 'MQTT over secure WebSocket port; starts only when TLS is configured.' },
  { key: 'wsPath', type: str, default: '/mqtt', doc: 'HTTP path of the WebSocket endpoint.' },
  { key: 'httpHost', type: str, default: '127.0.0.1', doc: 'Address of the HTTP server (/metrics, /healthz, /readyz, /api/v5).' },
  { key: 'httpPort', type: port, default: 18083, doc: 'Port of the HTTP server; off = disabled.' },
  {
    key: 'httpAddressFile',
    type: path,
    default: null,
    doc: "Once the HTTP server listens, write its URL (http://127.0.0.1:PORT) to this file, removed at exit: the container's HEALTHCHECK reads it, so it follows the port however it was set.",
  },
  {
    key: 'rules',
    type: path,
    default: null,
    shownDefault: './rules.sql',
    doc: 'Rules file. Unset: ./rules.sql in the working directory, loaded whenever it exists (watched, so it may appear later).',
  },
  {
    key: 'logLevel',
    type: { kind: 'enum', values: LOG_LEVELS },
    default: 'info',
    doc: 'Log level; debug adds a line per client connect, disconnect, subscribe and unsubscribe.',
  },
  {
    key: 'logFormat',
    type: { kind: 'enum', values: ['auto', 'json', 'pretty'] },
    default: 'auto',
    doc: 'Log lines as JSON (one object a line, ISO 8601 time) or as readable text (pretty); auto = pretty when stdout is a terminal, else JSON.',
  },
  { key: 'nodeName', type: str, default: '', shownDefault: 'rulemq@<hostname>', doc: 'Node name used in rules (`node` column) and in rulemq_node_info.' },
  {
    key: 'maxPacketBytes',
    type: { kind: 'int', min: 16, max: 268435455 },
    default: 1048576,
    doc: 'Largest MQTT packet accepted (whole packet, every protocol version); a larger declared size closes the connection before the bytes are read (MQTT 5: CONNACK or DISCONNECT 0x95 first). Advertised to MQTT 5 clients as Maximum Packet Size.',
  },
  {
    key: 'maxIncompletePacketBytes',
    type: { kind: 'int', min: 1024, max: 17179869184 },
    default: 67108864,
    doc: 'Bytes all connections may hold together in packets not yet complete; the connection that goes past it is closed (incomplete_packets_budget).',
  },
  {
    key: 'connectTimeoutMs',
    type: { kind: 'int', min: 100, max: 600000 },
    default: 10000,
    doc: 'Time a new connection has to send CONNECT.',
  },
  {
    key: 'shutdownGraceMs',
    type: { kind: 'int', min: 0, max: 600000 },
    default: 10000,
    doc: 'On SIGTERM/SIGINT, how long in-flight work may take before the process exits.',
  },
  {
    key: 'maxDecompressedBytes',
    type: { kind: 'int', min: 1024, max: 1073741824 },
    default: 16777216,
    doc: 'Largest output of one decompression in a rule (gunzip, unzip, zip_uncompress, compressed term_decode); more fails the rule run, counted.',
  },
  // Security settings: see docs/security.md.
  {
    key: 'allowAnonymous',
    type: { kind: 'bool' },
    default: true,
    doc: 'Accept clients that send no user name (start-up warns when a listener is reachable off-host with this on).',
  },
  { key: 'passwordFile', type: path, default: null, doc: 'mosquitto_passwd file (user:$7$... lines); reloaded on SIGHUP. Manage it with `rulemq passwd`.' },
  {
    key: 'aclFile',
    type: path,
    default: null,
    doc: 'ACL file in mosquitto format (user / topic [read|write|readwrite|deny] / pattern %c %u); reloaded on SIGHUP.',
  },
  {
    key: 'useIdentityAsUsername',
    type: { kind: 'bool' },
    default: false,
    doc: 'On TLS and WSS, the client certificate CN is the user name (needs tlsVerifyClient).',
  },
  { key: 'httpApiToken', type: str, default: null, doc: 'Token required on /api/* (Bearer, or Basic auth password); /metrics, /healthz, /readyz stay open.' },
  { key: 'maxClientIdBytes', type: { kind: 'int', min: 23, max: 65535 }, default: 1024, doc: 'Longest client id; longer gets CONNACK 0x02.' },
  {
    key: 'maxTopicBytes',
    type: { kind: 'int', min: 1, max: 65535 },
    default: 65535,
    doc: 'Longest topic name or filter, in bytes; longer closes the connection.',
  },
  {
    key: 'maxTopicLevels',
    type: { kind: 'int', min: 1, max: 100 },
    default: 100,
    doc: 'Most levels in a topic name or filter (100 is the ceiling of the Aedes matcher).',
  },
  {
    key: 'maxKeepaliveSeconds',
    type: { kind: 'int', min: 1, max: 65535 },
    default: 65535,
    doc: 'Longest Keep Alive a client may ask for: MQTT 3.1.1 gets CONNACK 0x02 beyond it, MQTT 5 is given it as Server Keep Alive (mosquitto max_keepalive).',
  },
  {
    key: 'maxInflightInbound',
    type: { kind: 'int', min: 0, max: 65535 },
    default: 100,
    doc: 'QoS 2 messages per client received and awaiting PUBREL, advertised to MQTT 5 clients as Receive Maximum; past it the client is disconnected (MQTT 5: DISCONNECT 0x93; 0 = no limit).',
  },
  {
    key: 'maxRetainedMessages',
    type: { kind: 'int', min: 0, max: 100000000 },
    default: 100000,
    doc: 'Retained topics kept; past it a new retained message is delivered but not kept (0 = no limit).',
  },
  {
    key: 'maxRetainedBytes',
    type: { kind: 'int', min: 0, max: 68719476736 },
    default: 268435456,
    doc: 'Payload bytes of all retained messages together; past it a new retained message is delivered but not kept (0 = no limit).',
  },
  {
    key: 'maxRetainedPayloadBytes',
    type: { kind: 'int', min: 0, max: 268435455 },
    default: 1048576,
    doc: 'Largest payload kept as a retained message; a larger one is delivered but not kept (0 = no limit).',
  },
  {
    key: 'maxClientOutgoingBytes',
    type: { kind: 'int', min: 0, max: 1073741824 },
    default: 1048576,
    doc: "Unsent bytes a subscriber's connection may hold; past it QoS 0 messages to that subscriber are dropped (counted as slow_subscriber; 0 = no limit).",
  },
  {
    key: 'slowClientTimeoutMs',
    type: { kind: 'int', min: 0, max: 3600000 },
    default: 10000,
    doc: 'A client whose connection stays unable to take more bytes this long is disconnected (0 = wait for ever).',
  },
  {
    key: 'topicAliasMaximum',
    type: { kind: 'int', min: 0, max: 65535 },
    default: 10,
    doc: 'MQTT 5 Topic Alias Maximum: topic aliases a client may set towards the broker (a higher alias gets DISCONNECT 0x94; 0 = none, as mosquitto max_topic_alias 10).',
  },
  {
    key: 'sessionExpiryMaxSeconds',
    type: { kind: 'int', min: 0, max: 4294967295 },
    default: 0,
    doc: 'MQTT 5 Session Expiry Interval cap: a longer requested interval is lowered to it and told to the client in CONNACK (0 = no cap).',
  },
  {
    key: 'maxPendingSessions',
    type: { kind: 'int', min: 0, max: 10000000 },
    default: 100000,
    doc: 'MQTT 5 sessions (and, separately, delayed wills) waiting for their expiry after a disconnect; past it a session ends at once and a will is sent at once (0 = no limit).',
  },
  {
    key: 'serverKeepAliveSeconds',
    type: { kind: 'int', min: 0, max: 65535 },
    default: 0,
    doc: 'MQTT 5 Server Keep Alive given to every v5 client in CONNACK, replacing its own (EMQX server_keepalive; 0 = the client chooses, up to maxKeepaliveSeconds).',
  },
  {
    key: 'maxQueuedMessages',
    type: { kind: 'int', min: 0, max: 10000000 },
    default: 1000,
    doc: 'QoS 1/2 messages queued per persistent session; newer ones are dropped (0 = no limit; in-memory store only).',
  },
  {
    key: 'maxConnections',
    type: { kind: 'int', min: 0, max: 10000000 },
    default: 100000,
    doc: 'Open MQTT connections, all listeners together; more are closed at once (0 = no limit).',
  },
  {
    key: 'maxConnectRate',
    type: { kind: 'int', min: 0, max: 1000000 },
    default: 1000,
    doc: 'New MQTT connections per second, all listeners together; more are closed at once (0 = no limit).',
  },
  {
    key: 'maxPublishRate',
    type: { kind: 'int', min: 0, max: 1000000 },
    default: 0,
    doc: 'PUBLISH packets per second per client; faster clients are slowed down, nothing is dropped (0 = no limit).',
  },
  {
    key: 'wsMaxHeaderBytes',
    type: { kind: 'int', min: 1024, max: 1048576 },
    default: 16384,
    doc: 'Largest HTTP header block of a WebSocket upgrade; larger gets 431.',
  },
  {
    key: 'redisUrl',
    type: str,
    default: null,
    doc: 'Redis shared by several nodes (redis://[:password@]host:port[/db], rediss:// for TLS, or a primary that Sentinel manages: redis-sentinel://[:password@]host[:port][,host[:port]...][/db]#<primary name>, rediss-sentinel:// for TLS; or a Redis Cluster: redis-cluster://[user:password@]host:port[,host:port...], rediss-cluster:// for TLS): sessions, retained messages, QoS 1/2 state and pub/sub.',
  },
  {
    key: 'redisSentinelPassword',
    type: str,
    default: null,
    doc: "The Sentinels' own password (requirepass of redis-sentinel), when they have one; the redisUrl password is the primary's.",
  },
  {
    key: 'workers',
    type: { kind: 'intOrAuto', min: 1, max: 256 },
    default: 1,
    doc: "Worker processes that share every listener (Node's cluster module), one core each; 'auto' = one per core. Above 1 needs redisUrl: the workers are nodes of one broker joined through Redis.",
  },
  {
    key: 'sharedSubscriptionStrategy',
    type: { kind: 'enum', values: SHARED_STRATEGIES },
    default: 'round_robin',
    doc: 'How a shared subscription group ($share/<group>/<filter>, $queue/<filter>) picks the member for each message: round_robin, random, sticky (one member until it leaves), hash_clientid (by publisher), hash_topic.',
  },
];

/** The default as help prints it: the resolved value, or 'not set'. */
export function shownDefault(s: SettingSpec): string {
  if (s.shownDefault !== undefined) return s.shownDefault;
  if (s.default === null || s.default === '') return 'not set';
  return String(s.default);
}

/** `mqttPort` → `mqtt-port` */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `mqttPort` → `RULEMQ_MQTT_PORT` */
export function envName(key: string): string {
  return `RULEMQ_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
