import type { RedisOptions } from 'ioredis';
import { ClusterError } from './errors.js';

/** One node of a Redis Cluster, as given in a redis-cluster:// URL. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * How a node reaches Redis: a `redis://` URL ioredis reads itself, options for a Sentinel-managed
 * primary, or the start-up nodes of a Redis Cluster.
 */
export interface RedisTarget {
  /** A redis:// or rediss:// URL; undefined for Sentinel and Cluster. */
  readonly url: string | undefined;
  /** Connection options; for a Cluster, those of every node connection (password, TLS). */
  readonly options: RedisOptions;
  /** Set for `redis-cluster://`: the nodes asked for the slot map (any of them will do). */
  readonly clusterNodes?: readonly RedisNodeAddress[];
}

const SENTINEL = /^(rediss?)-sentinel:\/\/(?:([^@/#]*)@)?([^/#@]+)(?:\/(\d+))?#(.+)$/;
const CLUSTER = /^(rediss?)-cluster:\/\/(?:([^@/#]*)@)?([^/#@?]*)(.*)$/;
const DEFAULT_SENTINEL_PORT = 26379;
const DEFAULT_REDIS_PORT = 6379;

/**
 * Reads `redisUrl`: `redis://[:password@]host:port[/db]`, `rediss://...` (TLS); a Sentinel URL in the
 * form Lettuce and others use, `redis-sentinel://[:password@]host[:port][,host[:port]...][/db]#<primary name>`
 * (`rediss-sentinel://` for TLS to the Sentinels and the primary); or a Redis Cluster,
 * `redis-cluster://[user:password@]host[:port][,host[:port]...]` (`rediss-cluster://` for TLS). The URL's
 * password is the primary's (every node's, for a Cluster); `sentinelPassword` is the Sentinels' own.
 * Errors name what is wrong and how to write it.
 */
export function parseRedisTarget(url: string, sentinelPassword: string | null): RedisTarget {
  const m = SENTINEL.exec(url);
  if (m) {
    const [, scheme, auth, hostList, db, name] = m;
    const sentinels = hostList.split(',').map((h) => parseHostPort(h, DEFAULT_SENTINEL_PORT, 'Sentinel'));
    const password = auth === undefined ? undefined : decodeURIComponent(auth.startsWith(':') ? auth.slice(1) : (auth.split(':')[1] ?? auth));
    const tls = scheme === 'rediss';
    const options: RedisOptions = {
      sentinels,
      name: decodeURIComponent(name),
      ...(password ? { password } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(db !== undefined ? { db: Number(db) } : {}),
      ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
      // Follow Sentinel's +switch-master at once: a primary that stops answering (host down, network
      // cut) keeps its sockets open, and without this the node would wait on them indefinitely.
      failoverDetector: true,
    };
    return { url: undefined, options };
  }
  if (/^rediss?-cluster:/i.test(url)) return parseClusterUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterError(
      'CLUSTER_REDIS_URL_INVALID',
      `\`redisUrl\` must be a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL (got '${redactRedisUrl(url)}')`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    const hint = /sentinel/.test(parsed.protocol) ? ' (a Sentinel URL names its primary after #: redis-sentinel://host:26379#mymaster)' : '';
    throw new ClusterError(
      'CLUSTER_REDIS_URL_INVALID',
      `\`redisUrl\` must start with redis://, rediss://, redis-sentinel:// or redis-cluster:// (got '${parsed.protocol}//...')${hint}`,
    );
  }
  return { url, options: {} };
}

const CLUSTER_FORM = 'redis-cluster://[user:password@]host:port[,host:port...]';

function parseClusterUrl(url: string): RedisTarget {
  const m = CLUSTER.exec(url);
  if (!m) {
    throw new ClusterError('CLUSTER_REDIS_URL_INVALID', `\`redisUrl\`: a Redis Cluster URL is written ${CLUSTER_FORM} (got '${redactRedisUrl(url)}')`);
  }
  const [, scheme, auth, hostList, rest] = m;
  if (rest !== '') {
    // A Cluster has only database 0, and the primary-name fragment belongs to Sentinel URLs.
    throw new ClusterError(
      'CLUSTER_REDIS_URL_INVALID',
      `\`redisUrl\`: a Redis Cluster URL takes no path, query or #name after its nodes (got '${rest}'; Redis Cluster has only database 0): ${CLUSTER_FORM}`,
    );
  }
  if (hostList.trim() === '') {
    throw new ClusterError('CLUSTER_REDIS_URL_INVALID', `\`redisUrl\`: a Redis Cluster URL names at least one node: ${CLUSTER_FORM}`);
  }
  const clusterNodes = hostList.split(',').map((h) => parseHostPort(h, DEFAULT_REDIS_PORT, 'Redis Cluster node', CLUSTER_FORM));
  let username: string | undefined;
  let password: string | undefined;
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    // `user:password@`, `:password@`, or a bare `password@` (as redis:// URLs allow).
    if (colon === -1) password = decodeURIComponent(auth);
    else {
      username = decodeURIComponent(auth.slice(0, colon)) || undefined;
      password = decodeURIComponent(auth.slice(colon + 1));
    }
  }
  const options: RedisOptions = {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(scheme.toLowerCase() === 'rediss' ? { tls: {} } : {}),
  };
  return { url: undefined, options, clusterNodes };
}

function parseHostPort(text: string, defaultPort: number, what: string, form?: string): RedisNodeAddress {
  const hm = /^([^:[\]]+|\[[^\]]+\])(?::(\d{1,5}))?$/.exec(text.trim());
  const port = hm?.[2] === undefined ? defaultPort : Number(hm[2]);
  if (!hm || port < 1 || port > 65535)
    throw new ClusterError(
      'CLUSTER_REDIS_URL_INVALID',
      `\`redisUrl\`: ${what} '${text}' is not host[:port] with a port from 1 to 65535${form ? `: ${form}` : ''}`,
    );
  return { host: hm[1].replace(/^\[|\]$/g, ''), port };
}

/** The URL with its password hidden, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(
    /^([a-z-]+:\/\/)([^@/#]*)@/i,
    (_all, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`,
  );
}
