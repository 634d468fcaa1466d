import { TopicFault, checkTopicString } from '../validation/topic.js';

/** Access bits of an ACL line; 0 is `deny`. */
export const READ = 1;
export const WRITE = 2;
export const DENY = 0;

export interface AclLine {
  /** Topic filter; in a `pattern` line it may hold %c (client id) and %u (user name). */
  readonly topic: string;
  /** READ, WRITE, READ|WRITE, or DENY. */
  readonly access: number;
  readonly line: number;
}

/** An ACL file in mosquitto's format, parsed. */
export interface AclFile {
  /** `topic` lines before the first `user` line: they apply to clients without a user name. */
  readonly anonymous: readonly AclLine[];
  /** `topic` lines under `user NAME`. */
  readonly users: ReadonlyMap<string, readonly AclLine[]>;
  /** `pattern` lines, for every client wherever they appear. */
  readonly patterns: readonly AclLine[];
}

export interface AclProblem {
  readonly line: number;
  readonly message: string;
}

const ACCESS: Record<string, number> = { read: READ, write: WRITE, readwrite: READ | WRITE, deny: DENY };

/**
 * Parses mosquitto's acl_file format:
 *
 *     # comment
 *     topic [read|write|readwrite|deny] <filter>     (no access word = readwrite)
 *     user <name>                                   (topic lines below apply to that user)
 *     pattern [read|write|readwrite|deny] <filter>  (%c = client id, %u = user name; every client)
 *
 * Returns every problem with its line number; `warnings` are lines that load but are suspicious.
 */
export function parseAclFile(text: string): { acl: AclFile; errors: AclProblem[]; warnings: AclProblem[] } {
  const anonymous: AclLine[] = [];
  const users = new Map<string, AclLine[]>();
  const patterns: AclLine[] = [];
  const errors: AclProblem[] = [];
  const warnings: AclProblem[] = [];
  let current: AclLine[] = anonymous;

  const lines = text.split(/\r?\n/);
  for (let idx = 0; idx < lines.length; idx++) {
    const line = idx + 1;
    const raw = lines[idx].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(raw)!;
    const keyword = m[1];
    const rest = (m[2] ?? '').trim();
    if (keyword === 'user') {
      if (rest === '') {
        errors.push({ line, message: 'missing user name after `user`' });
        continue;
      }
      current = users.get(rest) ?? [];
      users.set(rest, current);
      continue;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') {
      errors.push({ line, message: `unknown keyword \`${keyword}\`; expected topic, pattern or user` });
      continue;
    }
    if (rest === '') {
      errors.push({ line, message: `missing topic after \`${keyword}\`` });
      continue;
    }
    // As mosquitto: "topic X" means readwrite X; "topic ACCESS X" needs a known access word.
    const parts = /^(\S+)(?:\s+(.*))?$/.exec(rest)!;
    let access = READ | WRITE;
    let topic = rest;
    if (parts[2] !== undefined) {
      const word = parts[1];
      if (!(word in ACCESS)) {
        errors.push({ line, message: `unknown access \`${word}\`; expected read, write, readwrite or deny` });
        continue;
      }
      access = ACCESS[word];
      topic = parts[2].trim();
    }
    const fault = checkTopicString(topic, true);
    if (fault !== TopicFault.None) {
      errors.push({ line, message: `invalid topic filter '${topic}' (${describeFault(fault)})` });
      continue;
    }
    if (keyword === 'pattern') {
      if (!topic.includes('%c') && !topic.includes('%u'))
        warnings.push({ line, message: `pattern '${topic}' holds neither %c nor %u: it applies to every client alike` });
      patterns.push({ topic, access, line });
    } else {
      current.push({ topic, access, line });
    }
  }
  return { acl: { anonymous, users, patterns }, errors, warnings };
}

function describeFault(fault: TopicFault): string {
  switch (fault) {
    case TopicFault.BadWildcard:
      return 'a wildcard must fill a whole level, and # must be last';
    case TopicFault.Empty:
      return 'empty';
    case TopicFault.TooManyLevels:
      return 'more than 100 levels';
    case TopicFault.TooLong:
      return 'longer than 65535 bytes';
    default:
      return 'control character or invalid UTF-8';
  }
}
