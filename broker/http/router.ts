import { silentLogger, type Logger } from '../../common/logger.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpReply {
  status: number;
  body?: unknown;
  /** Sent as-is with this content type instead of JSON. */
  text?: string;
  contentType?: string;
  /** Extra response headers (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
}

export type RouteHandler = (req: IncomingMessage, params: Record<string, string>, body: unknown) => Promise<HttpReply> | HttpReply;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

/** A minimal method + path router: `/api/v5/rules/:id` style parameters, JSON bodies, bounded body size. */
export class Router {
  private readonly routes: Route[] = [];

  /** Checked before routing: returns a reply to refuse the request (e.g. 401), or null to let it through. */
  authorize: ((req: IncomingMessage, path: string) => HttpReply | null) | null = null;

  /** Checked in order before `authorize`, same contract (e.g. the cross-site guard). */
  readonly guards: ((req: IncomingMessage, path: string) => HttpReply | null)[] = [];

  /** Where a handler's unexpected failure is logged before the 500 goes out. */
  logger: Logger = silentLogger;

  constructor(private readonly maxBodyBytes = 1024 * 1024) {}

  add(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method, parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let refused: HttpReply | null = null;
    for (const guard of this.guards) refused ??= guard(req, url.pathname);
    refused ??= this.authorize?.(req, url.pathname) ?? null;
    if (refused !== null) return send(res, refused);
    const parts = url.pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.parts, parts);
      if (params === BAD_ENCODING) {
        return send(res, { status: 400, body: { code: 'BAD_REQUEST', message: `the path ${url.pathname} holds a malformed %-escape` } });
      }
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      let body: unknown;
      if (req.method === 'POST' || req.method === 'PUT') {
        const raw = await readBody(req, this.maxBodyBytes);
        if (raw === null) return send(res, { status: 413, body: { code: 'BAD_REQUEST', message: `request body larger than ${this.maxBodyBytes} bytes` } });
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch (err) {
            return send(res, { status: 400, body: { code: 'BAD_REQUEST', message: `request body is not valid JSON: ${(err as Error).message}` } });
          }
        }
      }
      try {
        return send(res, await route.handler(req, params, body));
      } catch (err) {
        this.logger.error({ method: req.method, path: url.pathname, err: (err as Error).stack ?? String(err) }, 'HTTP API handler failed');
        return send(res, { status: 500, body: { code: 'INTERNAL_ERROR', message: (err as Error).message } });
      }
    }
    send(
      res,
      pathMatched
        ? { status: 405, body: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${url.pathname}` } }
        : { status: 404, body: { code: 'NOT_FOUND', message: `no route ${url.pathname}` } },
    );
  }
}

/** A path parameter that is not valid percent-encoding (`%ZZ`): the request is a 400, not a 500. */
const BAD_ENCODING = Symbol('badEncoding');

function match(pattern: string[], parts: string[]): Record<string, string> | null | typeof BAD_ENCODING {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (!p.startsWith(':')) {
      if (p !== parts[i]) return null;
      continue;
    }
    try {
      params[p.slice(1)] = decodeURIComponent(parts[i]);
    } catch {
      return BAD_ENCODING;
    }
  }
  return params;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType ?? 'text/plain; charset=utf-8' });
    res.end(reply.text);
    return;
  }
  const json = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-type': 'application/json' });
  res.end(json);
}
