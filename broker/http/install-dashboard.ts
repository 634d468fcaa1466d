import type { Aedes } from 'aedes';
import type { Registry } from 'prom-client';
import { registerClientsApi } from './clients-api.js';
import { crossSiteGuard, rebindingGuard } from './cross-site.js';
import { registerDashboard } from './dashboard.js';
import type { Router } from './router.js';
import { registerStatsApi } from './stats-api.js';

/**
 * The dashboard on the HTTP server: its page at `/`, the client and stats endpoints it reads, and the guards
 * that keep other sites from using a browser against the API (cross-site requests; DNS rebinding while no
 * API token is set: with `router.authorize` in place, the token decides).
 */
export function installDashboard(router: Router, broker: Aedes, registry: Registry, nodeName: string): void {
  router.guards.push(crossSiteGuard, (req, path) => (router.authorize ? null : rebindingGuard(req, path)));
  registerDashboard(router);
  registerClientsApi(router, broker, nodeName);
  registerStatsApi(router, registry, nodeName);
}
