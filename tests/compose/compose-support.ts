/**
 * Reading the deployment files the way docker compose would, without Docker: variable
 * interpolation with the files' own defaults, YAML parsing, and small accessors.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const REPO = new URL('../../../', import.meta.url).pathname;
export const COMPOSE_DIR = join(REPO, 'compose');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[] | string;
  depends_on?: string[] | Record<string, { condition: string }>;
  environment?: Record<string, string> | string[];
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean; bind?: { create_host_path?: boolean } }>;
  ports?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string; disable?: boolean };
  restart?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; ipam?: { config?: Array<{ subnet: string }> } } | null>;
  volumes?: Record<string, unknown>;
}

/** Every `${...}` / `$NAME` compose would substitute (after `$$` escapes), as written. */
export function interpolations(raw: string): string[] {
  return [...raw.replace(/\$\$/g, '').matchAll(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[0]);
}

/**
 * Substitutes variables as compose does with an empty environment: `${X:-d}` and `${X-d}` become
 * `d`, `$$` becomes `$`. Throws on a variable without a default (compose would put '').
 */
export function interpolate(raw: string): string {
  const escaped = raw.replace(/\$\$/g, '\u0000');
  const out = escaped.replace(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/g, (whole, body: string) => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(:?-)(.*)\}$/.exec(body);
    if (!m) throw new Error(`${whole} has no default: the file would depend on the caller's environment`);
    return m[3];
  });
  return out.replace(/\u0000/g, '$');
}

export function composeFiles(): string[] {
  return readdirSync(COMPOSE_DIR)
    .filter((f) => /^hstreamdb-.*\.ya?ml$/.test(f))
    .sort();
}

export function loadCompose(file: string): { raw: string; doc: ComposeFile } {
  const raw = readFileSync(join(COMPOSE_DIR, file), 'utf8');
  return { raw, doc: parse(interpolate(raw)) as ComposeFile };
}

export function dependsOn(s: ComposeService): Record<string, string> {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on).map(([k, v]) => [k, v.condition]));
}

export function envOf(s: ComposeService): Record<string, string> {
  if (!s.environment) return {};
  if (Array.isArray(s.environment)) return Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, String(v)]));
}

export interface Mount {
  kind: 'volume' | 'bind';
  source: string;
  target: string;
  createHostPath: boolean;
}

/** Volumes in short (`src:dst[:ro]`) or long syntax; a source starting with . or / is a bind mount. */
export function mountsOf(s: ComposeService): Mount[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      const bind = source.startsWith('.') || source.startsWith('/');
      return { kind: bind ? 'bind' : 'volume', source, target, createHostPath: true };
    }
    return { kind: v.type === 'bind' ? 'bind' : 'volume', source: v.source, target: v.target, createHostPath: v.bind?.create_host_path !== false };
  });
}

export function networksOf(s: ComposeService): string[] {
  if (!s.networks) return [];
  return Array.isArray(s.networks) ? s.networks : Object.keys(s.networks);
}

export function commandText(s: ComposeService): string {
  return Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');
}

/** `repo/name:tag` → parts; digest-pinned references count as pinned. */
export function imageRef(image: string): { repo: string; tag: string | null; digest: string | null } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : null;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : null;
  return { repo: colon > slash ? rest.slice(0, colon) : rest, tag, digest };
}

/** `v0.19.3` → [0, 19, 3]. */
export function semver(tag: string): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  if (!m) throw new Error(`not a version tag: ${tag}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function versionAtLeast(tag: string, min: string): boolean {
  const a = semver(tag);
  const b = semver(min);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}
