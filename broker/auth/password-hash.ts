import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * mosquitto_passwd hashes, byte for byte:
 *   $7$<iterations>$<salt>$<hash>  PBKDF2-HMAC-SHA512, 64-byte hash (mosquitto 2.x default, 101 iterations)
 *   $6$<salt>$<hash>               SHA-512 of password then salt (mosquitto 1.x)
 * Salt and hash are standard base64; mosquitto always uses 12-byte salts and refuses other sizes.
 */
export interface PasswordHash {
  readonly kind: 'pbkdf2-sha512' | 'sha512';
  readonly iterations: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export const SALT_BYTES = 12;
export const HASH_BYTES = 64;
/** mosquitto_passwd's default. */
export const DEFAULT_ITERATIONS = 101;
/** Above this a hash costs seconds per CONNECT: refuse rather than let a file stall the broker. */
export const MAX_ITERATIONS = 10_000_000;

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses the part after `user:`; throws an Error naming what is wrong. */
export function parseHash(text: string): PasswordHash {
  const parts = text.split('$');
  // '$7$101$salt$hash' splits into ['', '7', '101', 'salt', 'hash'].
  if (parts[0] !== '' || (parts[1] !== '6' && parts[1] !== '7')) {
    throw new Error('not a mosquitto_passwd hash ($6$ or $7$); plain-text passwords are not accepted');
  }
  const pbkdf2Kind = parts[1] === '7';
  if (parts.length !== (pbkdf2Kind ? 5 : 4)) throw new Error(`malformed $${parts[1]}$ hash: wrong number of fields`);
  let iterations = 1;
  if (pbkdf2Kind) {
    if (!/^\d+$/.test(parts[2])) throw new Error(`iteration count '${parts[2]}' is not a positive integer`);
    iterations = Number(parts[2]);
    if (iterations < 1 || iterations > MAX_ITERATIONS) throw new Error(`iteration count ${iterations} is outside 1..${MAX_ITERATIONS}`);
  }
  const saltText = parts[pbkdf2Kind ? 3 : 2];
  const hashText = parts[pbkdf2Kind ? 4 : 3];
  if (!B64.test(saltText) || !B64.test(hashText)) throw new Error('salt or hash is not base64');
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  if (salt.length !== SALT_BYTES) throw new Error(`salt is ${salt.length} bytes; mosquitto uses ${SALT_BYTES}`);
  if (hash.length !== HASH_BYTES) throw new Error(`hash is ${hash.length} bytes; SHA-512 gives ${HASH_BYTES}`);
  return { kind: pbkdf2Kind ? 'pbkdf2-sha512' : 'sha512', iterations, salt, hash };
}

export function formatHash(h: PasswordHash): string {
  const salt = h.salt.toString('base64');
  const hash = h.hash.toString('base64');
  return h.kind === 'pbkdf2-sha512' ? `$7$${h.iterations}$${salt}$${hash}` : `$6$${salt}$${hash}`;
}

/** Computes the digest of `password` with the parameters of `h` (off the event loop for PBKDF2). */
export function digest(h: Pick<PasswordHash, 'kind' | 'iterations' | 'salt'>, password: Buffer): Promise<Buffer> {
  if (h.kind === 'sha512') return Promise.resolve(createHash('sha512').update(password).update(h.salt).digest());
  return new Promise((resolve, reject) => {
    pbkdf2(password, h.salt, h.iterations, HASH_BYTES, 'sha512', (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** True when `password` matches; the comparison takes the same time wherever the bytes differ. */
export async function verifyHash(h: PasswordHash, password: Buffer): Promise<boolean> {
  const d = await digest(h, password);
  return d.length === h.hash.length && timingSafeEqual(d, h.hash);
}

/** A new $7$ hash with a random salt, as `mosquitto_passwd` writes it. */
export async function hashPassword(password: Buffer | string, iterations = DEFAULT_ITERATIONS): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const hash = await digest({ kind: 'pbkdf2-sha512', iterations, salt }, pw);
  return { kind: 'pbkdf2-sha512', iterations, salt, hash };
}
