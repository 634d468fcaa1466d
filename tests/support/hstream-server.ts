/**
 * An in-process HStreamDB gRPC server for tests and benchmarks. It speaks the sink's proto on
 * 127.0.0.1 (port 0 on first start, the same port after a restart) and stores what it receives
 * decoded as HStreamDB does: decompress (gzip / zstd one-shot frames), decode BatchHStreamRecords,
 * JSON-flag payloads as google.protobuf.Struct → JS objects, RAW payloads as Buffers. It checks
 * that each record's key hashes into the shard it was appended to, and has fault knobs.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import type { ActionStats } from '../../sinks/contract.js';
import type { RawSettings } from '../../sinks/settings.js';
import { parseActionSettings, parseConnectorSettings } from '../../sinks/hstreamdb/config.js';
import { createHStreamConnector, type ConnectorOptions, type HStreamConnector } from '../../sinks/hstreamdb/connector.js';
import { hstreamRoot, hstreamService } from '../../sinks/hstreamdb/proto.js';
import type { Logger } from '../../common/logger.js';
import { loadZstd } from '../../sinks/hstreamdb/record.js';
import { keyHash, splitKeySpace } from '../../sinks/hstreamdb/shards.js';
import { createHStreamAction, type ActionOptions, type HStreamAction } from '../../sinks/hstreamdb/sink.js';

export interface StoredRecord {
  readonly stream: string;
  readonly shardId: string;
  readonly key: string;
  readonly flag: 'JSON' | 'RAW';
  /** JSON records: the Struct as a plain object; RAW records: the bytes. */
  readonly value: Record<string, unknown> | Buffer;
  readonly batchId: string;
  readonly batchIndex: number;
  readonly compression: string;
}

export interface TestShard {
  readonly shardId: string;
  readonly start: bigint;
  readonly end: bigint;
}

interface StreamState {
  name: string;
  shardCount: number;
  shards: TestShard[];
  records: StoredRecord[];
  createdAt: number;
}

export interface TestServerOptions {
  /** Serve TLS with this certificate chain and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** Require `authorization: Basic base64(user:pass)` on every call. */
  auth?: { username: string; password: string };
  /** 'full' (default) decodes and stores every record; 'count' only counts them (benchmarks). */
  decode?: 'full' | 'count';
}

export interface Faults {
  /** Every call answers UNAVAILABLE. */
  unavailable: boolean;
  /** The next N Append calls fail with `failAppendsCode` (nothing stored). */
  failAppends: number;
  failAppendsCode: grpc.status;
  /** Delay before answering each Append (the records are stored at once). */
  appendDelayMs: number;
  /** The next N Appends are stored but never answered (the client hits its deadline). */
  commitNoReply: number;
  /** ListShards of an unknown stream answers an empty list instead of NOT_FOUND. */
  missingStreamListsNoShards: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: grpc-js types requests by the proto loaded at run time.
type Handler = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => void;

const hstreamError = (code: grpc.status, error: number, message: string): Partial<grpc.ServiceError> => ({
  code,
  details: JSON.stringify({ error, message, extra: null }),
});

let nextShardId = 19477587631215380n; // above 2^53 on purpose: ids must travel as strings

export class HStreamTestServer {
  port = 0;
  readonly faults: Faults = {
    unavailable: false,
    failAppends: 0,
    failAppendsCode: grpc.status.UNAVAILABLE,
    appendDelayMs: 0,
    commitNoReply: 0,
    missingStreamListsNoShards: false,
  };
  /** Calls per RPC name (answered or not). */
  readonly calls: Record<string, number> = {};
  /** Records whose key does not hash into the shard they were appended to. */
  keyShardViolations = 0;
  /** Appends whose batchSize differs from the records found in the payload. */
  batchSizeMismatches = 0;
  /** Zstd payloads without a content size in the frame header (HStreamDB reads them as empty). */
  zstdWithoutContentSize = 0;
  /** JSON-flag payloads that do not decode as a Struct. */
  invalidRecords = 0;
  /** Records counted (all streams), also in 'count' mode. */
  recordCount = 0;
  /** Most Appends being answered at once, per shard and in total (the sink allows one per shard). */
  maxInProgressPerShard = 0;
  maxInProgress = 0;
  private readonly inProgress = new Map<string, number>();
  private inProgressTotal = 0;
  /** One entry per stored Append. */
  readonly appends: { stream: string; shardId: string; batchSize: number; compression: string }[] = [];

  private server: grpc.Server | undefined;
  private readonly streams = new Map<string, StreamState>();
  private waiters: (() => void)[] = [];
  private nextBatchId = 1n;
  private readonly opts: TestServerOptions;

  constructor(opts: TestServerOptions = {}) {
    this.opts = opts;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Binds 127.0.0.1 (port 0 the first time, the same port afterwards). */
  async start(): Promise<number> {
    if (this.server) return this.port;
    zstd = await loadZstd();
    const creds = this.opts.tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: this.opts.tls.cert, private_key: this.opts.tls.key }], false)
      : grpc.ServerCredentials.createInsecure();
    const bind = (server: grpc.Server) =>
      new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${this.port}`, creds, (err, port) => (err ? reject(err) : resolve(port))));
    // A restart rebinds the port the OS chose at the first start; while the server was down another socket
    // may briefly hold that port (the OS hands ports out again), so a restart retries for a few seconds.
    let server: grpc.Server;
    for (let attempt = 0; ; attempt++) {
      server = new grpc.Server();
      server.addService(hstreamService().service, this.handlers() as unknown as grpc.UntypedServiceImplementation);
      try {
        this.port = await bind(server);
        break;
      } catch (err) {
        server.forceShutdown();
        if (this.port === 0 || attempt >= 50 || !/EADDRINUSE/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.server = server;
    return this.port;
  }

  /** Closes the listener and every connection at once (calls in progress are cut). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) s.forceShutdown();
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Creates a stream with `shardCount` shards split as HStreamDB splits the key space. */
  createStream(name: string, shardCount = 1): TestShard[] {
    const st: StreamState = { name, shardCount, shards: makeShards(shardCount), records: [], createdAt: Date.now() };
    this.streams.set(name, st);
    return st.shards;
  }

  deleteStream(name: string): boolean {
    return this.streams.delete(name);
  }

  /** Replaces a stream's shards with a new map (new ids), keeping its records: a server restarted with a new layout. */
  reshard(name: string, shardCount: number): TestShard[] {
    const st = this.streams.get(name);
    if (!st) throw new Error(`no stream ${name}`);
    st.shardCount = shardCount;
    st.shards = makeShards(shardCount);
    return st.shards;
  }

  shards(name: string): TestShard[] {
    return this.streams.get(name)?.shards ?? [];
  }

  records(name: string): StoredRecord[] {
    return this.streams.get(name)?.records ?? [];
  }

  /** Resolves with the stream's records once there are at least `n`; rejects after `timeoutMs`. */
  waitForRecords(name: string, n: number, timeoutMs = 5000): Promise<StoredRecord[]> {
    return this.waitUntil(
      () => this.records(name).length >= n,
      timeoutMs,
      () => `${this.records(name).length} of ${n} records in '${name}'`,
    ).then(() => this.records(name));
  }

  /** Resolves once `pred()` holds after some server event (checked at every call); rejects after `timeoutMs`. */
  waitUntil(pred: () => boolean, timeoutMs: number, what: () => string = () => 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      this.waiters.push(check);
    });
  }

  private notify(): void {
    for (const w of this.waiters.slice()) w();
  }

  private node(): Record<string, unknown> {
    return { id: 1, host: '127.0.0.1', port: this.port, version: { version: 'v0.20.3', commit: 'rulemq-test' } };
  }

  /** Wraps a handler with call counting, the unavailable knob and the auth check. */
  private guard(name: string, fn: Handler): Handler {
    return (call, cb) => {
      this.calls[name] = (this.calls[name] ?? 0) + 1;
      this.notify();
      if (this.faults.unavailable) return cb({ code: grpc.status.UNAVAILABLE, details: 'test server: unavailable' });
      const auth = this.opts.auth;
      if (auth) {
        const want = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        if (call.metadata.get('authorization')[0] !== want) {
          return cb(hstreamError(grpc.status.UNAUTHENTICATED, 1, 'authentication failed'));
        }
      }
      try {
        fn(call, cb);
      } catch (e) {
        cb({ code: grpc.status.INTERNAL, details: (e as Error).message });
      }
    };
  }

  private handlers(): Record<string, Handler> {
    const notFound = (name: string) => hstreamError(grpc.status.NOT_FOUND, 200, `Stream ${name} not found`);
    const streamMsg = (st: StreamState) => ({
      streamName: st.name,
      replicationFactor: 1,
      backlogDuration: 0,
      shardCount: st.shardCount,
      creationTime: { seconds: String(Math.floor(st.createdAt / 1000)), nanos: 0 },
    });
    const h: Record<string, Handler> = {
      Echo: (call, cb) => cb(null, { msg: call.request.msg }),
      CreateStream: (call, cb) => {
        const { streamName, shardCount } = call.request;
        if (this.streams.has(streamName)) return cb(hstreamError(grpc.status.ALREADY_EXISTS, 201, `Stream ${streamName} exists`));
        if (!(shardCount >= 1)) return cb(hstreamError(grpc.status.INVALID_ARGUMENT, 205, 'shardCount must be > 0'));
        this.createStream(streamName, shardCount);
        cb(null, streamMsg(this.streams.get(streamName)!));
      },
      DeleteStream: (call, cb) => {
        const { streamName, ignoreNonExist } = call.request;
        if (!this.streams.delete(streamName) && !ignoreNonExist) return cb(notFound(streamName));
        cb(null, {});
      },
      GetStream: (call, cb) => {
        const st = this.streams.get(call.request.name);
        if (!st) return cb(notFound(call.request.name));
        cb(null, { stream: streamMsg(st) });
      },
      ListStreams: (_call, cb) => cb(null, { streams: [...this.streams.values()].map(streamMsg) }),
      ListShards: (call, cb) => {
        const st = this.streams.get(call.request.streamName);
        if (!st && this.faults.missingStreamListsNoShards) return cb(null, { shards: [] });
        if (!st) return cb(notFound(call.request.streamName));
        cb(null, {
          shards: st.shards.map((s) => ({
            streamName: st.name,
            shardId: s.shardId,
            startHashRangeKey: s.start.toString(),
            endHashRangeKey: s.end.toString(),
            epoch: '0',
            isActive: true,
          })),
        });
      },
      LookupShard: (call, cb) => {
        if (!this.findShard(String(call.request.shardId))) return cb(hstreamError(grpc.status.NOT_FOUND, 202, 'shard not found'));
        cb(null, { shardId: call.request.shardId, serverNode: this.node() });
      },
      LookupResource: (call, cb) => {
        const { resType, resId } = call.request;
        if (resType === 'ResShard' && !this.findShard(String(resId))) return cb(hstreamError(grpc.status.NOT_FOUND, 202, `shard ${resId} not found`));
        cb(null, this.node());
      },
      DescribeCluster: (_call, cb) =>
        cb(null, {
          protocolVersion: '0.3.0',
          serverNodes: [this.node()],
          serverNodesStatus: [{ node: this.node(), state: 'Running' }],
          clusterUpTime: '1',
        }),
      Append: (call, cb) => this.append(call, cb),
    };
    for (const k of Object.keys(h)) h[k] = this.guard(k, h[k]);
    return h;
  }

  private findShard(shardId: string): { st: StreamState; shard: TestShard } | undefined {
    for (const st of this.streams.values()) {
      const shard = st.shards.find((s) => s.shardId === shardId);
      if (shard) return { st, shard };
    }
    return undefined;
  }

  // biome-ignore lint/suspicious/noExplicitAny: grpc-js types requests by the proto loaded at run time.
  private append(call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>): void {
    const { streamName, records } = call.request as {
      streamName: string;
      shardId: string;
      records: { compressionType: string; batchSize: number; payload: Buffer } | null;
    };
    const shardId = String(call.request.shardId);
    const st = this.streams.get(streamName);
    if (!st) return cb(hstreamError(grpc.status.NOT_FOUND, 200, `Stream ${streamName} not found`));
    const shard = st.shards.find((s) => s.shardId === shardId);
    if (!shard) return cb({ code: grpc.status.UNAVAILABLE, details: JSON.stringify({ error: 500, message: `shard ${shardId} not found` }) });
    if (this.faults.failAppends > 0) {
      this.faults.failAppends--;
      return cb({ code: this.faults.failAppendsCode, details: 'test server: injected Append failure' });
    }
    if (!records || records.batchSize === 0) return cb(hstreamError(grpc.status.INVALID_ARGUMENT, 206, 'empty batch'));
    const stored = this.store(st, shard, records);
    const batchId = (this.nextBatchId++).toString();
    this.appends.push({ stream: streamName, shardId, batchSize: records.batchSize, compression: records.compressionType });
    this.notify();
    if (this.faults.commitNoReply > 0) {
      this.faults.commitNoReply--;
      return; // stored, never answered
    }
    const n = (this.inProgress.get(shardId) ?? 0) + 1;
    this.inProgress.set(shardId, n);
    this.inProgressTotal++;
    this.maxInProgressPerShard = Math.max(this.maxInProgressPerShard, n);
    this.maxInProgress = Math.max(this.maxInProgress, this.inProgressTotal);
    const reply = (): void => {
      this.inProgress.set(shardId, this.inProgress.get(shardId)! - 1);
      this.inProgressTotal--;
      cb(null, {
        streamName,
        shardId,
        recordIds: Array.from({ length: stored }, (_, i) => ({ shardId, batchId, batchIndex: i })),
      });
    };
    if (this.faults.appendDelayMs > 0) setTimeout(reply, this.faults.appendDelayMs);
    else reply();
  }

  /** Decodes and stores a batch like HStreamDB (readers see exactly this); returns the record count. */
  private store(st: StreamState, shard: TestShard, rec: { compressionType: string; batchSize: number; payload: Buffer }): number {
    let raw: Uint8Array;
    switch (rec.compressionType) {
      case 'None':
        raw = rec.payload;
        break;
      case 'Gzip':
        raw = gunzipSync(rec.payload);
        break;
      case 'Zstd':
        raw = zstdOneShot(rec.payload, () => this.zstdWithoutContentSize++);
        break;
      default:
        throw new Error(`unknown compression ${rec.compressionType}`);
    }
    const root = hstreamRoot();
    const Batch = root.lookupType('hstream.server.BatchHStreamRecords');
    const Struct = root.lookupType('google.protobuf.Struct');
    const decoded = Batch.decode(raw) as unknown as { records: { header?: { flag?: number; key?: string }; payload?: Uint8Array }[] };
    if (decoded.records.length !== rec.batchSize) this.batchSizeMismatches++;
    this.recordCount += decoded.records.length;
    if (this.opts.decode === 'count') return decoded.records.length;
    const batchId = this.nextBatchId.toString();
    decoded.records.forEach((r, i) => {
      const key = r.header?.key ?? '';
      const h = keyHash(key);
      if (h < shard.start || h > shard.end) this.keyShardViolations++;
      const flag = (r.header?.flag ?? 0) === 1 ? 'RAW' : 'JSON';
      const payload = Buffer.from(r.payload ?? new Uint8Array());
      let value: Record<string, unknown> | Buffer = payload;
      if (flag === 'JSON') {
        try {
          value = structToJs(Struct.decode(payload) as unknown as PbStruct);
        } catch {
          this.invalidRecords++;
        }
      }
      st.records.push({ stream: st.name, shardId: shard.shardId, key, flag, value, batchId, batchIndex: i, compression: rec.compressionType });
    });
    return decoded.records.length;
  }
}

function makeShards(n: number): TestShard[] {
  return splitKeySpace(n).map((r) => ({ shardId: (nextShardId++).toString(), start: r.start, end: r.end }));
}

type PbValue = { kind?: string; [k: string]: unknown };
type PbStruct = { fields?: Record<string, PbValue> };

// protobufjs' bundled google/protobuf/struct.proto uses camelCase field names (numberValue, …).
function valueToJs(v: PbValue): unknown {
  switch (v.kind) {
    case 'nullValue':
      return null;
    case 'numberValue':
      return v.numberValue;
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return structToJs(v.structValue as PbStruct);
    case 'listValue':
      return ((v.listValue as { values?: PbValue[] }).values ?? []).map(valueToJs);
    default:
      throw new Error('Value without kind');
  }
}

/** google.protobuf.Struct → plain object, as HStreamDB's readers see an HRecord. */
export function structToJs(s: PbStruct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) out[k] = valueToJs(v);
  return out;
}

type Zstd = { decompress(b: Uint8Array): Uint8Array };
let zstd: Zstd | undefined;

/** Decompresses like the server: one shot, sized from the frame header; no content size → empty. */
function zstdOneShot(frame: Buffer, noSize: () => void): Uint8Array {
  // Frame header descriptor (byte 4): bits 7-6 = content-size field flag, bit 5 = single segment.
  const fhd = frame[4];
  if (fhd >> 6 === 0 && ((fhd >> 5) & 1) === 0) {
    noSize();
    return new Uint8Array();
  }
  if (!zstd) throw new Error('zstd not loaded');
  return zstd.decompress(frame);
}

// ------------------------------------------------------------------ helpers for sink tests

/** matched = success + failed + dropped + queuing + inflight + lateReply, and dropped = Σ droppedByReason. */
export function assertInvariant(s: ActionStats): void {
  assert.equal(s.matched, s.success + s.failed + s.dropped + s.queuing + s.inflight + s.lateReply, `stats invariant: ${JSON.stringify(s)}`);
  assert.equal(
    s.dropped,
    Object.values(s.droppedByReason).reduce((a, b) => a + b, 0),
    'dropped = sum of droppedByReason',
  );
}

export interface SinkUnderTest {
  connector: HStreamConnector;
  action: HStreamAction;
  /** Closes action and connector (after checking the invariant). */
  close(): Promise<void>;
}

/** A connector + action on `server` with fast test defaults (short intervals, fast reconnects). */
export function openSink(
  server: HStreamTestServer,
  action: RawSettings,
  more: { connector?: RawSettings; connectorOpts?: ConnectorOptions; actionOpts?: ActionOptions; url?: string; logger?: Logger } = {},
): SinkUnderTest {
  const connector = createHStreamConnector(
    parseConnectorSettings({ url: more.url ?? `hstream://${server.address}`, grpc_timeout: '1s', ...more.connector }),
    more.logger,
    { reconnectBackoffMs: { initial: 20, max: 100 }, healthCheckIntervalMs: 200, ...more.connectorOpts },
  );
  const a = createHStreamAction(
    'test',
    parseActionSettings({
      connector: 'c',
      batch_interval: '5ms',
      health_check_interval: '200ms',
      request_ttl: '5s',
      grpc_flush_timeout: '1s',
      ...action,
    }),
    connector,
    { retryBaseMs: 10, retryMaxMs: 100, ...more.actionOpts },
  );
  return {
    connector,
    action: a,
    async close() {
      await a.close(200);
      await connector.close();
    },
  };
}

/** Sends rows and resolves with each row's settlement (null = written). */
export function sendAll(action: HStreamAction, rows: Record<string, unknown>[]): Promise<(Error | null)[]> {
  return Promise.all(rows.map((row) => new Promise<Error | null>((resolve) => action.send(row, { ruleName: 't' }, resolve))));
}

/** A self-signed certificate for 127.0.0.1 / localhost made with the openssl CLI, or undefined without one. */
export function selfSignedCert(): { cert: Buffer; key: Buffer; certFile: string; keyFile: string } | undefined {
  if (spawnSync('openssl', ['version']).error) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

/** Runs `fn` against a started test server and stops the server afterwards, whatever `fn` does. */
export async function withTestServer(fn: (server: HStreamTestServer) => Promise<void>, opts?: TestServerOptions): Promise<void> {
  const server = new HStreamTestServer(opts);
  await server.start();
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}
