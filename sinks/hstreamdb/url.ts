/**
 * HStreamDB server URLs: `hstream://h1:6570,h2,h3:6572` (plain) and `hstreams://…` (TLS).
 * `http://` and `https://` are accepted too because EMQX users write them (EMQX's default is
 * `http://127.0.0.1:6570`). A host without a port gets 6570; extra hosts inherit the first scheme.
 */
import { CodedError } from '../../common/coded-error.js';

export const DEFAULT_PORT = 6570;

export type UrlScheme = 'hstream' | 'hstreams' | 'http' | 'https';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ParsedUrl {
  readonly scheme: UrlScheme;
  /** True for hstreams:// and https:// (TLS may still be switched on by `ssl = true`). */
  readonly tls: boolean;
  readonly hosts: readonly HostPort[];
}

export class UrlError extends CodedError<'URL_INVALID'> {
  constructor(message: string) {
    super('URL_INVALID', message);
  }
}

const SCHEMES: readonly UrlScheme[] = ['hstream', 'hstreams', 'http', 'https'];
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const HOSTNAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

const isTls = (s: UrlScheme): boolean => s === 'hstreams' || s === 'https';

/** Parses a server URL; throws UrlError with a message that says what is wrong and how to write it. */
export function parseHStreamUrl(url: string): ParsedUrl {
  const m = SCHEME_RE.exec(url.trim());
  if (!m) throw new UrlError(`expected hstream://host[:port][,host[:port]…] or hstreams://… (got '${url}')`);
  const scheme = m[1].toLowerCase() as UrlScheme;
  if (!SCHEMES.includes(scheme)) {
    throw new UrlError(`unsupported scheme '${m[1]}://'; use hstream://, hstreams://, http:// or https://`);
  }
  const hosts: HostPort[] = [];
  for (const rawPart of m[2].split(',')) {
    let part = rawPart.trim();
    const own = SCHEME_RE.exec(part);
    if (own) {
      const s = own[1].toLowerCase() as UrlScheme;
      if (!SCHEMES.includes(s) || isTls(s) !== isTls(scheme)) {
        throw new UrlError(`host '${part}' uses scheme '${own[1]}://' but the URL starts with '${scheme}://'; all hosts share one scheme`);
      }
      part = own[2];
    }
    if (part.endsWith('/')) part = part.slice(0, -1);
    hosts.push(parseHostPort(part));
  }
  return { scheme, tls: isTls(scheme), hosts };
}

function parseHostPort(part: string): HostPort {
  if (part === '') throw new UrlError('empty host in URL (look for a stray comma)');
  if (part.includes('@')) throw new UrlError(`credentials in the URL are not supported ('${part}'); use the username and password settings`);
  if (/[/?#\s]/.test(part)) throw new UrlError(`'${part}' is not host[:port] (paths, queries and spaces are not allowed)`);
  let host: string;
  let portText: string | undefined;
  if (part.startsWith('[')) {
    const end = part.indexOf(']');
    if (end < 0) throw new UrlError(`unclosed '[' in IPv6 host '${part}'`);
    host = part.slice(1, end);
    const rest = part.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new UrlError(`unexpected '${rest}' after IPv6 host in '${part}'`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) throw new UrlError(`'${host}' is not an IPv6 address`);
  } else {
    const colon = part.lastIndexOf(':');
    if (colon >= 0 && part.indexOf(':') !== colon) throw new UrlError(`IPv6 hosts need brackets, like [::1]:6570 (got '${part}')`);
    host = colon >= 0 ? part.slice(0, colon) : part;
    portText = colon >= 0 ? part.slice(colon + 1) : undefined;
    if (!HOSTNAME_RE.test(host)) throw new UrlError(`'${host}' is not a valid host name`);
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new UrlError(`port must be 1–65535 (got '${portText}' in '${part}')`);
  }
  return { host, port };
}

/** "host:port", with IPv6 hosts bracketed: the form gRPC targets and channel caches use. */
export function hostPortKey(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
