import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { HttpReply } from './router.js';

/** The header the dashboard sends with every request; browsers cannot add it cross-site without a CORS preflight we never grant. */
export const CSRF_HEADER = 'x-rulemq-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function refuse(message: string): HttpReply {
  return { status: 403, body: { code: 'CROSS_SITE_REQUEST', message } };
}

/**
 * Refuses state-changing requests (POST, PUT, DELETE...) that a web page on another site makes a
 * browser send. Such a request always carries `Origin` or `Sec-Fetch-Site` (browsers add them);
 * it must then come from this very origin and carry {@link CSRF_HEADER}, which a cross-site page
 * can only set after a CORS preflight that this server never answers. Requests without those
 * headers (curl, scripts, Prometheus) are not from a browser and pass unchanged, so the
 * EMQX-compatible API keeps working for its clients. Reads are left to the same-origin policy.
 */
export function crossSiteGuard(req: IncomingMessage): HttpReply | null {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return null;
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin === undefined && site === undefined) return null;
  if (site !== undefined && site !== 'same-origin') return refuse(`a ${req.method} from another site (Sec-Fetch-Site: ${site}) is refused`);
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return refuse(`a ${req.method} with an unreadable Origin (${origin}) is refused`);
    }
    if (host !== req.headers.host) return refuse(`a ${req.method} from ${origin} is refused: only pages served by this broker may change its state`);
  }
  if (req.headers[CSRF_HEADER] === undefined) return refuse(`a ${req.method} from a browser needs the ${CSRF_HEADER} header (the dashboard sends it)`);
  return null;
}

/** True for a Host header naming this machine or an address: `localhost`, `127.0.0.1:18083`, `[::1]:18083`. */
function isAddressHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  return name === 'localhost' || isIP(name) !== 0;
}

/**
 * DNS rebinding: a site can point its own name at this broker, and its pages then talk to the API as
 * "same origin". Without a token to stop them, a browser may reach /api only through an address or
 * `localhost`, names an attacker cannot rebind. With `httpApiToken` set, the token decides.
 */
export function rebindingGuard(req: IncomingMessage, path: string): HttpReply | null {
  if (path.split('/').find((p) => p !== '') !== 'api') return null;
  if (req.headers.origin === undefined && req.headers['sec-fetch-site'] === undefined) return null;
  const host = req.headers.host ?? '';
  if (isAddressHost(host)) return null;
  return {
    status: 403,
    body: {
      code: 'HOST_NOT_ALLOWED',
      message: `the API is not open to browsers at host ${JSON.stringify(host)} without httpApiToken: set httpApiToken, or open the dashboard by IP address or localhost`,
    },
  };
}
