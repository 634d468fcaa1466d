import { READ, WRITE, type AclFile, type AclLine } from './acl-file.js';
import { covers, intersects, matches, splitLevels } from './topic-match.js';

export { READ, WRITE };

interface Rule {
  readonly levels: readonly string[];
  readonly access: number;
}

/** Most cached decisions per client; past it the cache starts over (a client cycling topics cannot grow it). */
const CACHE_LIMIT = 1024;

/**
 * The rules that apply to one client, with %c and %u substituted, deny rules apart, and a
 * per-topic decision cache so the publish and delivery paths pay one Map lookup per message.
 */
export class ClientAcl {
  private readonly cache = new Map<string, number>();

  constructor(
    readonly generation: number,
    private readonly deny: readonly Rule[],
    private readonly allow: readonly Rule[],
  ) {}

  /** May the client publish to (WRITE) or receive from (READ) this topic name? Deny rules win. */
  allows(topic: string, access: typeof READ | typeof WRITE): boolean {
    // Bits: 1 read known, 2 read allowed, 4 write known, 8 write allowed.
    const known = access === READ ? 1 : 4;
    const cached = this.cache.get(topic);
    if (cached !== undefined && (cached & known) !== 0) return (cached & (known << 1)) !== 0;
    const levels = splitLevels(topic);
    let allowed = false;
    if (!this.deny.some((r) => matches(r.levels, levels))) {
      allowed = this.allow.some((r) => (r.access & access) !== 0 && matches(r.levels, levels));
    }
    if (this.cache.size >= CACHE_LIMIT && cached === undefined) this.cache.clear();
    this.cache.set(topic, (cached ?? 0) | known | (allowed ? known << 1 : 0));
    return allowed;
  }

  /**
   * May the client subscribe to this filter? Refused (SUBACK 0x80) when a deny rule covers the
   * whole filter or no read rule shares a topic with it. A filter wider than the grants ('#' with
   * `topic read sensors/#`) is accepted, and delivery checks READ per message (as mosquitto does),
   * so partial grants and partial denials are both enforced.
   */
  allowsSubscribe(filter: string): boolean {
    const levels = splitLevels(filter);
    if (this.deny.some((r) => covers(r.levels, levels))) return false;
    return this.allow.some((r) => (r.access & READ) !== 0 && intersects(r.levels, levels));
  }
}

/** A loaded ACL file; `compile()` builds the view of one client. */
export class Acl {
  constructor(
    private readonly file: AclFile,
    readonly generation: number,
  ) {}

  compile(clientId: string, username: string | undefined): ClientAcl {
    const deny: Rule[] = [];
    const allow: Rule[] = [];
    const add = (topic: string, access: number) => (access === 0 ? deny : allow).push({ levels: splitLevels(topic), access });
    const own = username === undefined ? this.file.anonymous : (this.file.users.get(username) ?? []);
    for (const l of own) add(l.topic, l.access);
    // A client id or user name holding a wildcard must never widen a pattern grant (CVE-2017-7650,
    // mosquitto denies such clients every pattern): allow patterns are skipped for them. Deny
    // patterns still apply: substituting a wildcard into a deny pattern only widens the denial.
    const dangerous = /[+#]/.test(clientId) || (username !== undefined && /[+#]/.test(username));
    for (const p of this.file.patterns) {
      if (p.access !== 0 && dangerous) continue;
      const topic = substitute(p, clientId, username);
      if (topic !== null) add(topic, p.access);
    }
    return new ClientAcl(this.generation, deny, allow);
  }
}

/** %c → client id, %u → user name; null when the pattern needs a user name the client lacks (as mosquitto). */
function substitute(p: AclLine, clientId: string, username: string | undefined): string | null {
  if (p.topic.includes('%u') && username === undefined) return null;
  return p.topic.replace(/%([cu])/g, (_m, k: string) => (k === 'c' ? clientId : (username as string)));
}
