/**
 * Reading gRPC errors from HStreamDB: its `grpc-message` is a JSON object
 * `{"error": <code>, "message": ..., "extra": ...}`; connection failures come from grpc-js as
 * UNAVAILABLE with the socket error in the details. These helpers turn both into messages a
 * person can act on.
 */
import { status } from '@grpc/grpc-js';

export interface GrpcErrorLike {
  code: number;
  details: string;
}

export function isGrpcError(e: unknown): e is GrpcErrorLike & Error {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number' && typeof (e as { details?: unknown }).details === 'string';
}

/** HStreamDB's error code and message when details carry its JSON object; otherwise the raw details. */
export function serverError(details: string): { code?: number; message: string } {
  const t = details.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as { error?: unknown; message?: unknown };
      return { code: typeof o.error === 'number' ? o.error : undefined, message: typeof o.message === 'string' ? o.message : t };
    } catch {
      // not JSON after all
    }
  }
  return { message: details };
}

const statusName = (code: number): string => (Object.entries(status).find(([, n]) => n === code)?.[0] as string | undefined) ?? `status ${code}`;

/**
 * A message for a failed call to `target` (host:port) that names the likely cause:
 * DNS failure, connection refused, TLS failure, authentication, unknown stream, timeout.
 */
export function describeCallError(err: GrpcErrorLike, target: string, stream?: string): string {
  const d = err.details ?? '';
  switch (err.code) {
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return `authentication failed at ${target}: check username and password (${serverError(d).message})`;
    case status.NOT_FOUND:
      return stream !== undefined
        ? `stream '${stream}' does not exist on ${target}; create it first (${serverError(d).message})`
        : `not found at ${target}: ${serverError(d).message}`;
    case status.DEADLINE_EXCEEDED:
      return `no answer from ${target} within the deadline (grpc_timeout); is it an HStreamDB server?`;
    case status.UNAVAILABLE: {
      if (/name resolution|ENOTFOUND|EAI_AGAIN|getaddrinfo|DNS resolution/i.test(d)) {
        return `cannot resolve host of ${target}: check the url (${d})`;
      }
      if (/ECONNREFUSED|connection refused/i.test(d)) {
        return `connection refused by ${target}: is HStreamDB running and listening on that port?`;
      }
      if (/SSL|TLS|certificate|self[- ]signed|handshake|wrong version number|ERR_SSL|unable to verify|altnames|Hostname\/IP/i.test(d)) {
        return `TLS handshake with ${target} failed: ${d} (check ssl_ca / ssl_verify / ssl_server_name, and that the server speaks TLS)`;
      }
      return `${target} is unavailable: ${serverError(d).message}`;
    }
    default:
      return `${statusName(err.code)} from ${target}: ${serverError(d).message}`;
  }
}
