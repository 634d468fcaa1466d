/**
 * Settings of the HStreamDB connector (where and how to connect) and of an HStreamDB action
 * (which stream, how to render and batch records). Both parsers report every problem at once
 * through SettingsError and return frozen objects with units in the field names.
 */
import { existsSync } from 'node:fs';
import { jsonTemplateProblem } from './template-parse.js';
import { SettingsReader, type RawSettings } from '../settings.js';
import { parseHStreamUrl, UrlError, type HostPort, type UrlScheme } from './url.js';

export const HSTREAMDB_TYPE = 'hstreamdb';

export interface ConnectorConfig {
  readonly url: string;
  readonly scheme: UrlScheme;
  readonly hosts: readonly HostPort[];
  /** hstreams:// / https:// or `ssl = true`. */
  readonly tls: boolean;
  /** Deadline for every call except Append (discovery, lookups, health). */
  readonly grpcTimeoutMs: number;
  readonly ssl: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly verify: boolean;
    readonly serverName?: string;
  };
  readonly username?: string;
  readonly password?: string;
  /** Worker threads that run the Appends (compression, framing, gRPC); 0 runs them in the broker's event loop. */
  readonly appendThreads: number;
}

export const CONNECTOR_KEYS = [
  'type',
  'url',
  'grpc_timeout',
  'ssl',
  'ssl_ca',
  'ssl_cert',
  'ssl_key',
  'ssl_verify',
  'ssl_server_name',
  'username',
  'password',
  'append_threads',
] as const;

/** Most Append worker threads per connector. */
export const MAX_APPEND_THREADS = 8;

/** Validates connector settings; throws SettingsError listing every problem. */
export function parseConnectorSettings(raw: RawSettings): ConnectorConfig {
  const r = new SettingsReader(raw, HSTREAMDB_TYPE, CONNECTOR_KEYS);
  if (r.has('type') && raw.type !== HSTREAMDB_TYPE) r.issue('type', `\`type\` must be '${HSTREAMDB_TYPE}' (got '${String(raw.type)}')`);
  const url = r.string('url', '', { required: true, expected: "a URL like 'hstream://127.0.0.1:6570'" });
  let parsed: ReturnType<typeof parseHStreamUrl> | undefined;
  if (url !== '') {
    try {
      parsed = parseHStreamUrl(url);
    } catch (e) {
      if (!(e instanceof UrlError)) throw e;
      r.issue('url', `\`url\` ${e.message}`);
    }
  }
  const grpcTimeoutMs = r.duration('grpc_timeout', '30s');
  const sslGiven = r.has('ssl');
  const ssl = r.bool('ssl', false);
  if (parsed?.tls && sslGiven && !ssl) {
    r.issue('ssl', `\`ssl\` is false but the url scheme ${parsed.scheme}:// means TLS; use hstream:// or set ssl = true`);
  }
  const tls = (parsed?.tls ?? false) || ssl;
  const caFile = r.optionalString('ssl_ca');
  const certFile = r.optionalString('ssl_cert');
  const keyFile = r.optionalString('ssl_key');
  const verify = r.bool('ssl_verify', true);
  const serverName = r.optionalString('ssl_server_name');
  for (const [key, file] of [
    ['ssl_ca', caFile],
    ['ssl_cert', certFile],
    ['ssl_key', keyFile],
  ] as const) {
    if (file === undefined) continue;
    if (!tls) r.issue(key, `\`${key}\` is set but TLS is off; use an hstreams:// url or set ssl = true`);
    else if (!existsSync(file)) r.issue(key, `\`${key}\` must name a readable file (got '${file}': not found)`);
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const missing = certFile === undefined ? 'ssl_cert' : 'ssl_key';
    r.issue(missing, `\`ssl_cert\` and \`ssl_key\` go together: \`${missing}\` is missing`);
  }
  const username = r.optionalString('username');
  const password = r.has('password') ? r.string('password', '', { expected: 'a string' }) : undefined;
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'username' : 'password';
    r.issue(missing, `\`username\` and \`password\` go together: \`${missing}\` is missing`);
  }
  const appendThreads = r.int('append_threads', 1, 0, MAX_APPEND_THREADS);
  r.finish('hstreamdb connector settings');
  return Object.freeze({
    url,
    scheme: parsed!.scheme,
    hosts: Object.freeze(parsed!.hosts.slice()),
    tls,
    grpcTimeoutMs,
    ssl: Object.freeze({ caFile, certFile, keyFile, verify, serverName }),
    username,
    password,
    appendThreads,
  });
}

export type RecordFormat = 'auto' | 'json' | 'raw';
export type Compression = 'none' | 'gzip' | 'zstd';
export type QueryMode = 'async' | 'sync';
export type AckMode = 'broker' | 'sink';
export type BufferMode = 'memory' | 'disk';

export interface ActionConfig {
  readonly connector: string;
  readonly stream: string;
  /** Template rendered as text; the result is the record key and picks the shard. */
  readonly partitionKey: string;
  readonly recordTemplate: string;
  readonly recordFormat: RecordFormat;
  readonly batchSize: number;
  readonly batchIntervalMs: number;
  /** Queue bound in batches (× batchSize rows); disk mode: rows held in memory for sending. */
  readonly maxBatches: number;
  readonly compression: Compression;
  /** Deadline of each Append call. */
  readonly grpcFlushTimeoutMs: number;
  readonly queryMode: QueryMode;
  /** Appends in flight at once across all shards of the action (one per shard at most). */
  readonly inflightWindow: number;
  /** Rows not written by then are dropped as expired; disk mode: only how long a waiting caller waits. */
  readonly requestTtlMs: number;
  /** Queue bound in bytes; disk mode: the disk buffer's bound. */
  readonly maxBufferBytes: number;
  readonly healthCheckIntervalMs: number;
  /**
   * 'broker': a client's QoS 1/2 PUBLISH is acknowledged when the broker has it (as every broker
   * does). 'sink': it is acknowledged only once the rows it produced for this action are written.
   */
  readonly ackMode: AckMode;
  /** 'memory': queued rows live in memory; 'disk': in `bufferDir`, surviving a restart. */
  readonly bufferMode: BufferMode;
  /** Directory of the disk buffer (required with bufferMode 'disk'; one per action). */
  readonly bufferDir?: string;
  /** Human-readable notes about what the settings mean, for the loader to log. */
  readonly notes: readonly string[];
}

export const ACTION_KEYS = [
  'type',
  'connector',
  'stream',
  'partition_key',
  'record_template',
  'record_format',
  'batch_size',
  'batch_interval',
  'max_batches',
  'compression',
  'grpc_flush_timeout',
  'query_mode',
  'inflight_window',
  'request_ttl',
  'max_buffer_bytes',
  'health_check_interval',
  'ack_mode',
  'buffer_mode',
  'buffer_dir',
] as const;

// HStreamDB's own rule: 1–255 characters, a letter first, then letters, digits, '-' or '_'.
const STREAM_NAME_RE = /^\p{L}[\p{L}\p{N}_-]{0,254}$/u;

/** Validates action settings; throws SettingsError listing every problem. */
export function parseActionSettings(raw: RawSettings): ActionConfig {
  const r = new SettingsReader(raw, HSTREAMDB_TYPE, ACTION_KEYS);
  if (r.has('type') && raw.type !== HSTREAMDB_TYPE) r.issue('type', `\`type\` must be '${HSTREAMDB_TYPE}' (got '${String(raw.type)}')`);
  const connector = r.string('connector', '', { required: true, expected: 'the name of an hstreamdb connector' });
  const stream = r.string('stream', '', {
    required: true,
    pattern: STREAM_NAME_RE,
    expected: "a stream name: 1–255 characters, a letter first, then letters, digits, '-' or '_'",
  });
  const partitionKey = r.string('partition_key', '', { expected: 'a template string' });
  const recordTemplate = r.string('record_template', '${payload}', { expected: 'a template string' });
  const recordFormat = r.oneOf<RecordFormat>('record_format', 'auto', ['auto', 'json', 'raw']);
  if (recordFormat !== 'raw') {
    // A template that starts like JSON but does not parse would be written as RAW text: broken records.
    const problem = jsonTemplateProblem(recordTemplate);
    if (problem) {
      r.issue(
        'record_template',
        `\`record_template\` starts like JSON but is not valid JSON: ${problem.message}. Fix the template, or set record_format = 'raw' to write it as text on purpose`,
        problem.offset,
      );
    }
  }
  const batchSize = r.int('batch_size', 100, 1);
  const batchIntervalMs = r.duration('batch_interval', '500ms');
  const maxBatches = r.int('max_batches', 500, 1);
  const compression = r.oneOf<Compression>('compression', 'none', ['none', 'gzip', 'zstd']);
  const grpcFlushTimeoutMs = r.duration('grpc_flush_timeout', '10s');
  const queryMode = r.oneOf<QueryMode>('query_mode', 'async', ['async', 'sync']);
  const inflightWindow = r.int('inflight_window', 100, 1);
  const requestTtlMs = r.duration('request_ttl', '45s');
  const maxBufferBytes = r.bytes('max_buffer_bytes', '256MB', 1024);
  const healthCheckIntervalMs = r.duration('health_check_interval', '15s', 100);
  const ackMode = r.oneOf<AckMode>('ack_mode', 'broker', ['broker', 'sink']);
  const bufferMode = r.oneOf<BufferMode>('buffer_mode', 'memory', ['memory', 'disk']);
  const bufferDir = r.optionalString('buffer_dir');
  if (bufferMode === 'disk' && bufferDir === undefined && !r.issues.some((i) => i.key === 'buffer_dir')) {
    r.issue('buffer_dir', "`buffer_dir` is required with buffer_mode = 'disk': a directory for this action's buffer, like '/var/lib/rulemq/to_hstream'");
  }
  if (bufferMode === 'memory' && bufferDir !== undefined) {
    r.issue('buffer_dir', "`buffer_dir` is set but buffer_mode is 'memory'; add buffer_mode = 'disk' or remove buffer_dir");
  }
  const notes: string[] = [];
  if (ackMode === 'sink')
    notes.push(
      "ack_mode = 'sink': QoS 1/2 messages matched by this action's rules are acknowledged once written to HStreamDB (latency: one Append; a failed write closes the client's connection so it resends)",
    );
  if (bufferMode === 'disk') notes.push(`buffer_mode = 'disk': queued rows are kept in ${bufferDir ?? '(buffer_dir)'} and survive a restart`);
  r.finish('hstreamdb action settings');
  return Object.freeze({
    connector,
    stream,
    partitionKey,
    recordTemplate,
    recordFormat,
    batchSize,
    batchIntervalMs,
    maxBatches,
    compression,
    grpcFlushTimeoutMs,
    queryMode,
    inflightWindow,
    requestTtlMs,
    maxBufferBytes,
    healthCheckIntervalMs,
    ackMode,
    bufferMode,
    bufferDir,
    notes: Object.freeze(notes),
  });
}
