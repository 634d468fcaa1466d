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
  | { kind: 'enum'; values: readonly string[] };

export interface SettingSpec {
  /** camelCase key, as in the config file. */
  readonly key: keyof RulemqConfig;
  readonly type: SettingType;
  readonly default: string | number | boolean | null;
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
  readonly rules: string | null;
  readonly logLevel: string;
  readonly nodeName: string;
  readonly maxPacketBytes: number;
  readonly connectTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

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
  { key: 'rules', type: path, default: null, doc: 'Rules file; defaults to ./rules.sql when that file exists.' },
  { key: 'logLevel', type: { kind: 'enum', values: LOG_LEVELS }, default: 'info', doc: 'Log level of the JSON logs.' },
  { key: 'nodeName', type: str, default: '', doc: 'Node name used in rules (`node` column); default rulemq@<hostname>.' },
  {
    key: 'maxPacketBytes',
    type: { kind: 'int', min: 16, max: 268435455 },
    default: 1048576,
    doc: 'Largest MQTT packet accepted (whole packet); a larger declared size closes the connection before the bytes are read.',
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
];

/** `mqttPort` → `mqtt-port` */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `mqttPort` → `RULEMQ_MQTT_PORT` */
export function envName(key: string): string {
  return `RULEMQ_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
