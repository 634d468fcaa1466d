import type { RedisOptions } from 'ioredis';
import { ClusterError } from './errors.js';

/** How a node reaches Redis: a `redis://` URL ioredis reads itself, or options for a Sentinel-managed primary. */
export interface RedisTarget {
  /** A redis:// or rediss:// URL; undefined for Sentinel. */
  readonly url: string | undefined;
  readonly options: RedisOptions;
}

const SENTINEL = /^(rediss?)-sentinel:\/\/(?:([^@/#]*)@)?([^/#@]+)(?:\/(\d+))?#(.+)$/;
const DEFAULT_SENTINEL_PORT = 26379;

/**
 * Reads `redisUrl`: `redis://[:password@]host:port[/db]`, `rediss://...` (TLS), or a Sentinel URL in the
 * form Lettuce and others use, `redis-sentinel://[:password@]host[:port][,host[:port]...][/db]#<primary name>`
 * (`rediss-sentinel://` for TLS to the Sentinels and the primary). The URL's password is the primary's;
 * `sentinelPassword` is the Sentinels' own. Errors name what is wrong and how to write it.
 */
export function parseRedisTarget(url: string, sentinelPassword: string | null): RedisTarget {
  const m = SENTINEL.exec(url);
  if (m) {
    const [, scheme, auth, hostList, db, name] = m;
    const sentinels = hostList.split(',').map((h) => {
      const hm = /^([^:]+|\[[^\]]+\])(?::(\d{1,5}))?$/.exec(h.trim());
      if (!hm) throw new ClusterError('CLUSTER_REDIS_URL_INVALID', `\`redisUrl\`: Sentinel '${h}' is not host[:port]`);
      return { host: hm[1].replace(/^\[|\]$/g, ''), port: hm[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(hm[2]) };
    });
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ClusterError('CLUSTER_REDIS_URL_INVALID', `\`redisUrl\` must be a redis://, rediss:// or redis-sentinel:// URL (got '${redactRedisUrl(url)}')`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    const hint = /sentinel/.test(parsed.protocol) ? ' (a Sentinel URL names its primary after #: redis-sentinel://host:26379#mymaster)' : '';
    throw new ClusterError(
      'CLUSTER_REDIS_URL_INVALID',
      `\`redisUrl\` must start with redis://, rediss:// or redis-sentinel:// (got '${parsed.protocol}//...')${hint}`,
    );
  }
  return { url, options: {} };
}

/** The URL with its password hidden, for logs and errors. */
export function redactRedisUrl(url: string): string {
  return url.replace(
    /^([a-z-]+:\/\/)([^@/#]*)@/i,
    (_all, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`,
  );
}
