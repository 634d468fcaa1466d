import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpReply } from '../http/router.js';

/**
 * Guards `/api/*` with a shared token, accepted as `Authorization: Bearer <token>` or as the
 * password of HTTP Basic auth (any user name: `curl -u admin:<token>`). `/metrics`, `/healthz`
 * and `/readyz` stay open so probes and Prometheus need no secret. Returns null to let the request
 * through, or the 401 reply. Tokens are compared as SHA-256 digests in constant time.
 */
export function createApiAuthorizer(token: string): (req: IncomingMessage, path: string) => HttpReply | null {
  const expected = createHash('sha256').update(token).digest();
  const matches = (candidate: string): boolean => timingSafeEqual(createHash('sha256').update(candidate).digest(), expected);
  return (req, path) => {
    // The router ignores empty segments ('//api/v5' routes like '/api/v5'): decide on the first real one.
    if (path.split('/').find((p) => p !== '') !== 'api') return null;
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const value = space > 0 ? header.slice(space + 1).trim() : '';
    let ok = false;
    if (scheme === 'bearer') {
      ok = matches(value);
    } else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      ok = colon >= 0 && matches(decoded.slice(colon + 1));
    }
    if (ok) return null;
    return {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="rulemq", Basic realm="rulemq"' },
      body: { code: 'UNAUTHORIZED', message: 'this endpoint needs the API token (Authorization: Bearer <httpApiToken>, or Basic auth with it as password)' },
    };
  };
}
