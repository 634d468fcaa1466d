/**
 * Appends as plain gRPC unary calls on node:http2, for the Append worker threads. Why not grpc-js: on
 * the 2-core VM one grpc-js unary call costs 400–730 µs of CPU, the same call on node:http2 180–230 µs
 * (benchmarks/README.md); at batch_size = 100 that is 2–5 µs per row. Every other call (discovery,
 * health, Echo) stays on grpc-js (channels.ts): only the hot call is written by hand.
 *
 * What the sink relies on, kept as grpc-js has it:
 * - errors are grpc-js shaped `{ code, details }` and classified by sinks/retry.ts: the status from the
 *   trailers (or a trailers-only response) [gRPC over HTTP/2: Responses], an HTTP status mapped as
 *   grpc-js maps it, UNAVAILABLE when the connection fails or drops before a status arrives;
 * - the deadline is sent as `grpc-timeout` and enforced here too: DEADLINE_EXCEEDED, stream cancelled;
 * - after a failed connect the target is in backoff (1 s doubling to 10 s, or the connector's
 *   `reconnectBackoffMs`): Appends fail at once with UNAVAILABLE until it ends or `resetFailed()`;
 * - a request the server never processed (refused stream, past a GOAWAY, never sent) goes once more on
 *   a new session (grpc-js' transparent retry); one it may have read is left to the sink's retries;
 * - TLS with ssl_ca / ssl_cert / ssl_key / ssl_verify / ssl_server_name, basic-auth metadata.
 */
import http2 from 'node:http2';
import type { ServiceError } from '@grpc/grpc-js';
import type { ClientOptions } from './channels.js';
import { readTlsFile } from './tls-files.js';
import type { ConnectorConfig } from './config.js';
import { hostPortKey } from './url.js';

const APPEND_PATH = '/hstream.server.HStreamApi/Append';

/**
 * The gRPC status codes used here (the values of grpc-js' `status`). Spelled out so that a worker
 * thread does not load grpc-js for a few numbers (its idle memory is a fixed cost per connector).
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
type Code = (typeof Code)[keyof typeof Code];
const CODE_NAME: Record<number, string> = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));
const { NGHTTP2_CANCEL } = http2.constants;

export type UnaryCallback = (err: ServiceError | null) => void;

export interface CancelableCall {
  /** Abandons the call (RST_STREAM CANCEL); its callback is not called afterwards. */
  cancel(): void;
}

/** One host:port: its HTTP/2 session and its reconnect backoff. */
interface Target {
  session: http2.ClientHttp2Session | undefined;
  /** Date.now() before which Appends fail at once (a connect failed). */
  failedUntil: number;
  backoffMs: number;
  lastError: string;
}

/** Sessions that completed their connect (and TLS handshake). */
const everConnected = new WeakSet<http2.ClientHttp2Session>();
/** The last stream id a session's GOAWAY said the server processes (later streams it never saw). */
const goawayLast = new WeakMap<http2.ClientHttp2Session, number>();

/** The server never processed the request: the stream was never sent, refused, or past a GOAWAY. */
function neverProcessed(session: http2.ClientHttp2Session, s: http2.ClientHttp2Stream): boolean {
  if (s.id === undefined || s.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return true;
  const last = goawayLast.get(session);
  return last !== undefined && s.id > last;
}

/** A grpc-js-shaped error (what sinks/retry.ts classifies). */
export function grpcError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${CODE_NAME[code] ?? 'STATUS'}: ${details}`), { code, details, metadata: undefined as never });
}

/** grpc-js' mapping of a non-200 HTTP status without a grpc-status. */
function httpStatusToGrpc(s: number): Code {
  switch (s) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** `grpc-message` is percent-encoded [gRPC over HTTP/2: Responses]. */
function decodeMessage(v: string | string[] | undefined): string {
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class H2Appends {
  /** The url's hosts as host:port. */
  readonly seeds: readonly string[];
  private readonly targets = new Map<string, Target>();
  private readonly connectOptions: http2.SecureClientSessionOptions;
  private readonly scheme: string;
  private readonly authority: string | undefined;
  private readonly authorization: string | undefined;
  private readonly backoff: { initial: number; max: number };
  private closed = false;

  constructor(config: ConnectorConfig, opts: ClientOptions = {}) {
    this.seeds = config.hosts.map(hostPortKey);
    this.scheme = config.tls ? 'https' : 'http';
    this.backoff = opts.reconnectBackoffMs ?? { initial: 1000, max: 10_000 };
    // Many ~1 MiB Appends may be out at once (inflight_window): node's 10 MB default session memory is too small.
    const base: http2.SecureClientSessionOptions = { maxSessionMemory: 256 };
    if (config.tls) {
      base.ca = readTlsFile('ssl_ca', config.ssl.caFile);
      base.cert = readTlsFile('ssl_cert', config.ssl.certFile);
      base.key = readTlsFile('ssl_key', config.ssl.keyFile);
      if (config.ssl.serverName) base.servername = config.ssl.serverName;
      if (!config.ssl.verify) {
        base.rejectUnauthorized = false;
        base.checkServerIdentity = () => undefined;
      }
    }
    this.connectOptions = base;
    this.authority = config.ssl.serverName || undefined;
    if (config.username !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`, 'utf8').toString('base64')}`;
    }
  }

  /**
   * One Append: `request` is an encoded AppendRequest (record.ts). `cb` is called once with null
   * (status OK) or a grpc-js-shaped error, never synchronously; never after `cancel()`.
   */
  append(target: string, request: Buffer, timeoutMs: number, cb: UnaryCallback): CancelableCall {
    return this.call(APPEND_PATH, target, request, timeoutMs, cb);
  }

  /** A unary call of `path` with an encoded request; the response message is not decoded. */
  call(path: string, target: string, request: Buffer, timeoutMs: number, cb: UnaryCallback): CancelableCall {
    let settled = false;
    let stream: http2.ClientHttp2Stream | undefined;
    const finish = (err: ServiceError | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cb(err);
    };
    const timer = setTimeout(() => {
      stream?.close(NGHTTP2_CANCEL);
      finish(grpcError(Code.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    }, timeoutMs);
    const t = this.target(target);
    const send = (retries: number): void => {
      if (settled) return;
      if (this.closed || Date.now() < t.failedUntil) {
        const details = this.closed ? 'HStreamDB client is closed' : `No connection established. Last error: ${t.lastError}`;
        setImmediate(() => finish(grpcError(Code.UNAVAILABLE, details)));
        return;
      }
      let session: http2.ClientHttp2Session;
      let s: http2.ClientHttp2Stream;
      try {
        session = this.session(target, t);
        s = session.request(this.headers(path, timeoutMs), { endStream: false });
      } catch (e) {
        // The session is closing or ran out of stream ids: the next Append opens a new one.
        this.drop(t);
        setImmediate(() => finish(grpcError(Code.UNAVAILABLE, (e as Error).message)));
        return;
      }
      stream = s;
      this.exchange(session, s, t, request, finish, () => {
        // The server never saw the request (refused, or past the GOAWAY's last stream): grpc-js retries
        // such a call once, transparently; so do we, on a new session. Nothing can be stored twice.
        if (retries > 0 && !settled) send(retries - 1);
        else return false;
        return true;
      });
    };
    send(1);
    return {
      cancel: () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stream?.close(NGHTTP2_CANCEL);
      },
    };
  }

  /**
   * One request/response on `s`: the status from the trailers (or a trailers-only response), else the
   * HTTP status, else why the stream ended. `unsent()` is asked first when the server never processed
   * the request; it returns true when it sent it again.
   */
  private exchange(
    session: http2.ClientHttp2Session,
    s: http2.ClientHttp2Stream,
    t: Target,
    request: Buffer,
    finish: (err: ServiceError | null) => void,
    unsent: () => boolean,
  ): void {
    let httpStatus = 0;
    let code: number | undefined;
    let details = '';
    let streamError: Error | undefined;
    const readStatus = (h: http2.IncomingHttpHeaders): void => {
      const v = h['grpc-status'];
      if (v === undefined) return;
      code = Number(v);
      details = decodeMessage(h['grpc-message']);
    };
    s.on('response', (h) => {
      httpStatus = Number(h[':status']);
      readStatus(h); // a trailers-only response carries the status in its headers
    });
    s.on('trailers', readStatus);
    // The AppendResponse (one RecordId per record) is not needed: read and dropped.
    s.on('data', () => undefined);
    // The outcome is decided on 'close'; a failed session cancels its streams with the session's error as cause.
    s.on('error', (e: Error & { cause?: unknown }) => {
      streamError = e.cause instanceof Error ? e.cause : e;
    });
    const noStatus = (): void => {
      if (httpStatus === 0 && neverProcessed(session, s) && unsent()) return;
      const why = streamError?.message || t.lastError;
      if (!session.destroyed && !session.closed && s.rstCode === NGHTTP2_CANCEL) finish(grpcError(Code.CANCELLED, 'Call cancelled'));
      else if (!everConnected.has(session)) finish(grpcError(Code.UNAVAILABLE, `No connection established. Last error: ${why || 'connection closed'}`));
      else finish(grpcError(Code.UNAVAILABLE, `Connection dropped${why ? `: ${why}` : ''}`));
    };
    s.on('close', () => {
      if (code !== undefined) finish(code === Code.OK ? null : grpcError(code, details));
      else if (httpStatus !== 0 && httpStatus !== 200) finish(grpcError(httpStatusToGrpc(httpStatus), `Received HTTP status code ${httpStatus}`));
      // The session's own 'error' / 'close' / 'goaway' may come right after its streams close: look once they did.
      else setImmediate(noStatus);
    });
    // Length-prefixed message: compressed flag 0, then the length [gRPC over HTTP/2: Length-Prefixed-Message].
    const prefix = Buffer.allocUnsafe(5);
    prefix[0] = 0;
    prefix.writeUInt32BE(request.length, 1);
    s.write(prefix);
    s.end(request);
  }

  private headers(path: string, timeoutMs: number): http2.OutgoingHttpHeaders {
    const h: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      // At most 8 digits [gRPC over HTTP/2: Timeout]: milliseconds cover ~27 hours.
      'grpc-timeout': `${Math.max(1, Math.min(99_999_999, Math.ceil(timeoutMs)))}m`,
    };
    if (this.authority !== undefined) h[':authority'] = this.authority;
    if (this.authorization !== undefined) h.authorization = this.authorization;
    return h;
  }

  private target(key: string): Target {
    let t = this.targets.get(key);
    if (t === undefined) {
      t = { session: undefined, failedUntil: 0, backoffMs: this.backoff.initial, lastError: '' };
      this.targets.set(key, t);
    }
    return t;
  }

  private session(key: string, t: Target): http2.ClientHttp2Session {
    const open = t.session;
    if (open !== undefined && !open.closed && !open.destroyed) return open;
    const s = http2.connect(`${this.scheme}://${key}`, this.connectOptions);
    // Open sessions must not keep the thread alive; close() ends them.
    s.unref();
    s.once('connect', () => {
      everConnected.add(s);
      t.backoffMs = this.backoff.initial;
      t.lastError = '';
    });
    s.on('error', (e) => {
      t.lastError = e.message;
      if (!everConnected.has(s)) {
        // grpc-js' TRANSIENT_FAILURE: calls fail fast until the backoff ends.
        t.failedUntil = Date.now() + t.backoffMs;
        t.backoffMs = Math.min(this.backoff.max, t.backoffMs * 2);
      }
    });
    // A GOAWAY (server restart, idle timeout) or a closed socket: new Appends use a new session.
    s.on('goaway', (_code: number, lastStreamId: number) => {
      goawayLast.set(s, lastStreamId);
      this.drop(t, s);
    });
    s.on('close', () => this.drop(t, s));
    t.session = s;
    return s;
  }

  private drop(t: Target, s: http2.ClientHttp2Session | undefined = t.session): void {
    if (s === undefined || t.session !== s) return;
    t.session = undefined;
    if (!s.closed) s.close();
  }

  /** Targets in connect backoff are tried again at the next Append (the cluster answered again). */
  resetFailed(): void {
    for (const t of this.targets.values()) {
      t.failedUntil = 0;
      t.backoffMs = this.backoff.initial;
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.targets.values()) t.session?.destroy();
    this.targets.clear();
  }
}
