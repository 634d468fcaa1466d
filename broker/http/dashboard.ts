import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { HttpReply, Router } from './router.js';

/** The dashboard's files: `dashboard/` at the package root (this module runs from dist/broker/http/). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

/**
 * Only pages, scripts and styles of this origin; no inline script or style (the pages set styles through the
 * CSSOM), no framing (clickjacking the disconnect and reload buttons), no form posts elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

// Flat names only: no '/', no '..', no dotfiles; the router has already decoded the segment.
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/;

async function serveFile(dir: string, name: string): Promise<HttpReply> {
  const ext = FILE_NAME.exec(name)?.[1];
  if (ext === undefined) return { status: 404, body: { code: 'NOT_FOUND', message: `no dashboard file ${name}` } };
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch {
    return { status: 404, body: { code: 'NOT_FOUND', message: `no dashboard file ${name}` } };
  }
  return { status: 200, text, contentType: TYPES[ext], headers: SECURITY_HEADERS };
}

/**
 * Serves the dashboard: `/` is its page, `/dashboard/<file>` its scripts and styles. The files are
 * public (they hold no data); the data comes from /api/v5, which the API token guards.
 */
export function registerDashboard(router: Router, dir = DASHBOARD_DIR): void {
  router.add('GET', '/', () => serveFile(dir, 'index.html'));
  router.add('GET', '/dashboard', () => ({ status: 302, headers: { location: '/' } }));
  router.add('GET', '/dashboard/:file', (_req, params) => serveFile(dir, params.file));
}
