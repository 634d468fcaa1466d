import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync } from 'node:crypto';
import { formatHash, hashPassword, parseHash, verifyHash } from '../../broker/auth/password-hash.js';
import { parsePasswordFile } from '../../broker/auth/password-file.js';

const SALT = Buffer.from('000102030405060708090a0b', 'hex');

/** A $7$ line computed independently of the code under test. */
function pbkdf2Line(user: string, password: string, iterations = 101): string {
  const hash = pbkdf2Sync(password, SALT, iterations, 64, 'sha512');
  return `${user}:$7$${iterations}$${SALT.toString('base64')}$${hash.toString('base64')}`;
}

function sha512Line(user: string, password: string): string {
  const hash = createHash('sha512').update(password).update(SALT).digest();
  return `${user}:$6$${SALT.toString('base64')}$${hash.toString('base64')}`;
}

describe('mosquitto_passwd hashes', () => {
  test('verifies a $7$ (PBKDF2-SHA512) entry and refuses a wrong password', async () => {
    const h = parseHash(pbkdf2Line('u', 'secret').split(':')[1]);
    assert.equal(h.kind, 'pbkdf2-sha512');
    assert.equal(h.iterations, 101);
    assert.equal(await verifyHash(h, Buffer.from('secret')), true);
    assert.equal(await verifyHash(h, Buffer.from('secreT')), false);
    assert.equal(await verifyHash(h, Buffer.from('')), false);
  });

  test('verifies a $6$ (salted SHA-512) entry', async () => {
    const h = parseHash(sha512Line('u', 'pw').split(':')[1]);
    assert.equal(h.kind, 'sha512');
    assert.equal(await verifyHash(h, Buffer.from('pw')), true);
    assert.equal(await verifyHash(h, Buffer.from('pw2')), false);
  });

  test('uses the iteration count written in the entry', async () => {
    const h = parseHash(pbkdf2Line('u', 'pw', 1000).split(':')[1]);
    assert.equal(h.iterations, 1000);
    assert.equal(await verifyHash(h, Buffer.from('pw')), true);
  });

  test('a new hash round-trips through its text form and verifies', async () => {
    const h = await hashPassword('correct horse', 101);
    const text = formatHash(h);
    assert.match(text, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    assert.equal(await verifyHash(parseHash(text), Buffer.from('correct horse')), true);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['plain text', 'secret', /not a mosquitto_passwd hash/],
    ['unknown kind', '$5$abc$def', /not a mosquitto_passwd hash/],
    ['missing field', '$7$101$AAAAAAAAAAAAAAAA', /wrong number of fields/],
    ['zero iterations', `$7$0$${SALT.toString('base64')}$${Buffer.alloc(64).toString('base64')}`, /outside/],
    ['non-numeric iterations', `$7$x$${SALT.toString('base64')}$${Buffer.alloc(64).toString('base64')}`, /not a positive integer/],
    ['short salt', `$7$101$${Buffer.alloc(8).toString('base64')}$${Buffer.alloc(64).toString('base64')}`, /salt is 8 bytes/],
    ['short hash', `$7$101$${SALT.toString('base64')}$${Buffer.alloc(32).toString('base64')}`, /hash is 32 bytes/],
    ['not base64', '$6$!!!!$????', /not base64/],
  ];
  for (const [what, text, message] of bad) {
    test(`refuses ${what}`, () => assert.throws(() => parseHash(text), message));
  }
});

describe('password files', () => {
  test('parses users, skips comments, blank lines and lines without a colon (as mosquitto)', () => {
    const text = ['# users', '', pbkdf2Line('alice', 'a'), 'junk line', sha512Line('bob', 'b'), ''].join('\n');
    const { db, errors, warnings } = parsePasswordFile(text);
    assert.deepEqual(errors, []);
    assert.deepEqual([...db.users.keys()], ['alice', 'bob']);
    assert.deepEqual(
      warnings.map((w) => w.line),
      [4],
    );
  });

  test('reports a bad hash and a duplicate user with their lines', () => {
    const text = [pbkdf2Line('alice', 'a'), 'bob:plaintext', pbkdf2Line('alice', 'again'), ':$7$x'].join('\n');
    const { errors } = parsePasswordFile(text);
    assert.deepEqual(
      errors.map((e) => e.line),
      [2, 3, 4],
    );
    assert.match(errors[1].message, /listed twice \(first on line 1\)/);
  });

  test('a wrong password and an unknown user cost one hash of the same kind and iteration count each', async () => {
    const { db } = parsePasswordFile([pbkdf2Line('alice', 'a', 2000), pbkdf2Line('bob', 'b', 2000), sha512Line('old', 'o')].join('\n'));
    assert.equal(db.dummy.kind, 'pbkdf2-sha512');
    assert.equal(db.dummy.iterations, 2000);
    assert.equal(await db.verify('alice', Buffer.from('a')), 'ok');
    assert.equal(db.hashes, 1);
    assert.equal(await db.verify('alice', Buffer.from('x')), 'bad_password');
    assert.equal(db.hashes, 2);
    assert.equal(await db.verify('nobody', Buffer.from('a')), 'unknown_user');
    assert.equal(db.hashes, 3);
    assert.equal(await db.verify('alice', undefined), 'bad_password');
    assert.equal(db.hashes, 4);
  });
});
