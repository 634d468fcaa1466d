import { randomBytes } from 'node:crypto';
import { DEFAULT_ITERATIONS, HASH_BYTES, SALT_BYTES, parseHash, verifyHash, type PasswordHash } from './password-hash.js';

export interface PasswordEntry {
  readonly username: string;
  /** The hash as written in the file: a changed value means the password changed. */
  readonly text: string;
  readonly hash: PasswordHash;
}

export interface FileProblem {
  readonly line: number;
  readonly message: string;
}

/** Users of a mosquitto password file, and a dummy hash that makes unknown users cost the same as known ones. */
export class PasswordDb {
  /** Verified against for unknown users: the kind and iteration count most entries use, a random salt, a hash nothing matches. */
  readonly dummy: PasswordHash;
  /** Digests computed by verify() (one per call, known user or not). */
  hashes = 0;

  constructor(readonly users: ReadonlyMap<string, PasswordEntry>) {
    const counts = new Map<string, { n: number; h: PasswordHash }>();
    for (const e of users.values()) {
      const key = `${e.hash.kind}/${e.hash.iterations}`;
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { n: 1, h: e.hash });
    }
    let common: PasswordHash | null = null;
    let best = 0;
    for (const { n, h } of counts.values()) {
      if (n > best) {
        best = n;
        common = h;
      }
    }
    this.dummy = {
      kind: common?.kind ?? 'pbkdf2-sha512',
      iterations: common?.iterations ?? DEFAULT_ITERATIONS,
      salt: randomBytes(SALT_BYTES),
      hash: randomBytes(HASH_BYTES),
    };
  }

  /**
   * Checks a user name and password with one hash computation whatever the outcome: an unknown
   * user costs a digest of the dummy hash, so replies take the same time for unknown users and
   * wrong passwords.
   */
  async verify(username: string, password: Buffer | undefined): Promise<'ok' | 'unknown_user' | 'bad_password'> {
    const entry = this.users.get(username);
    const ok = await verifyHash(entry?.hash ?? this.dummy, password ?? EMPTY);
    this.hashes++;
    if (entry === undefined) return 'unknown_user';
    // A user who sent no password never matches, even one whose password is the empty string (as mosquitto).
    return ok && password !== undefined ? 'ok' : 'bad_password';
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Parses a password file as mosquitto reads it: `user:hash` lines, `#` comments, blank lines.
 * Lines without ':' are skipped as mosquitto skips them (reported as warnings); a bad hash or a
 * duplicate user is an error.
 */
export function parsePasswordFile(text: string): { db: PasswordDb; errors: FileProblem[]; warnings: FileProblem[] } {
  const users = new Map<string, PasswordEntry>();
  const errors: FileProblem[] = [];
  const warnings: FileProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i].replace(/[\r\s]+$/, '');
    if (raw === '' || raw.startsWith('#')) continue;
    const colon = raw.indexOf(':');
    if (colon < 0) {
      warnings.push({ line, message: "no ':' on this line; skipped (as mosquitto does)" });
      continue;
    }
    const username = raw.slice(0, colon);
    const hashText = raw.slice(colon + 1);
    if (username === '') {
      errors.push({ line, message: 'empty user name' });
      continue;
    }
    if (users.has(username)) {
      errors.push({ line, message: `user '${username}' is listed twice (first on line ${findLine(lines, username)})` });
      continue;
    }
    try {
      users.set(username, { username, text: hashText, hash: parseHash(hashText) });
    } catch (err) {
      errors.push({ line, message: `user '${username}': ${(err as Error).message}` });
    }
  }
  return { db: new PasswordDb(users), errors, warnings };
}

function findLine(lines: string[], username: string): number {
  return lines.findIndex((l) => l.startsWith(`${username}:`)) + 1;
}
