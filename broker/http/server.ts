import http from 'node:http';
import type { Registry } from 'prom-client';
import { Router } from './router.js';
import { listen } from '../listeners/listen.js';
import type { Listener } from '../listeners/types.js';

export interface Readiness {
  /** True once every listener is up and until draining starts. */
  ready(): boolean;
  /** Extra reasons for not being ready (e.g. 'redis down'); empty when none. */
  reasons(): string[];
  /** States shown beside readiness that do not decide it (each action's health). */
  details(): Record<string, unknown>;
}

/**
 * Builds the router with /metrics, /healthz and /readyz; other modules add /api/v5 routes. `metrics`
 * replaces this registry's own exposition (a worker answers with the whole node's).
 */
export function createBaseRouter(
  registry: Registry,
  readiness: Readiness,
  metrics: () => Promise<{ text: string; contentType: string }> = async () => ({ text: await registry.metrics(), contentType: registry.contentType }),
): Router {
  const router = new Router();
  router.add('GET', '/metrics', async () => ({ status: 200, ...(await metrics()) }));
  // Liveness: the process is serving HTTP at all.
  router.add('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }));
  router.add('GET', '/readyz', () => {
    const reasons = readiness.reasons();
    const details = readiness.details();
    if (readiness.ready() && reasons.length === 0) return { status: 200, body: { status: 'ready', ...details } };
    return { status: 503, body: { status: 'not_ready', reasons: readiness.ready() ? reasons : ['starting or draining', ...reasons], ...details } };
  });
  return router;
}

export async function startHttpServer(host: string, port: number, router: Router): Promise<Listener> {
  const server = http.createServer((req, res) => {
    router.handle(req, res).catch((err: unknown) => {
      router.logger.error({ method: req.method, url: req.url, err: err instanceof Error ? err.stack : String(err) }, 'HTTP request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const listener = await listen('http', server, host, port);
  return {
    ...listener,
    close: () => {
      server.closeAllConnections();
      return listener.close();
    },
  };
}
