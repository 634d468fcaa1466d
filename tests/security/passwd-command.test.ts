import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePasswordFile } from '../../broker/auth/password-file.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));
const MOSQUITTO_PASSWD = ['/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'rulemq-passwd-'));

function run(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'passwd', ...args], { input: input ?? '', encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function verifies(file: string, user: string, password: string): Promise<boolean> {
  const { db } = parsePasswordFile(readFileSync(file, 'utf8'));
  return (await db.verify(user, Buffer.from(password))) === 'ok';
}

describe('rulemq passwd', () => {
  test('adds a user with the password read from stdin, in a private new file', async () => {
    const file = join(dir, 'a');
    const r = run([file, 'alice'], 'from stdin\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /added user 'alice'/);
    assert.match(readFileSync(file, 'utf8'), /^alice:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==\n$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await verifies(file, 'alice', 'from stdin'), true);
  });

  test('updates a user in place with --password, keeping comments and other users', async () => {
    const file = join(dir, 'b');
    writeFileSync(file, '# header\n');
    assert.equal(run([file, 'alice', '--password', 'one']).code, 0);
    assert.equal(run([file, 'bob', '--password', 'two']).code, 0);
    const r = run([file, 'alice', '--password', 'three']);
    assert.match(r.stdout, /updated user 'alice'/);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(':')[0]),
      ['# header', 'alice', 'bob'],
    );
    assert.equal(await verifies(file, 'alice', 'three'), true);
    assert.equal(await verifies(file, 'bob', 'two'), true);
  });

  test('-I sets the iteration count; -D deletes; -c starts over', async () => {
    const file = join(dir, 'c');
    assert.equal(run(['-I', '1000', file, 'carol', '--password', 'x']).code, 0);
    assert.match(readFileSync(file, 'utf8'), /^carol:\$7\$1000\$/);
    assert.equal(run([file, 'dave', '--password', 'y']).code, 0);
    assert.equal(run(['-D', file, 'carol']).code, 0);
    assert.deepEqual([...parsePasswordFile(readFileSync(file, 'utf8')).db.users.keys()], ['dave']);
    assert.equal(run(['-c', file, 'erin', '--password', 'z']).code, 0);
    assert.deepEqual([...parsePasswordFile(readFileSync(file, 'utf8')).db.users.keys()], ['erin']);
  });

  test('refuses bad input with exit code 1 or 2 and leaves the file alone', () => {
    const file = join(dir, 'd');
    assert.equal(run([file, 'keep', '--password', 'k']).code, 0);
    const before = readFileSync(file, 'utf8');
    assert.equal(run([file, 'a:b', '--password', 'x']).code, 1);
    assert.equal(run([file, 'tab\tname', '--password', 'x']).code, 1);
    assert.equal(run([file, 'nopass'], '').code, 1);
    assert.equal(run([file, 'empty', '--password', '']).code, 1);
    assert.equal(run(['-D', file, 'ghost']).code, 1);
    assert.equal(run(['-I', '0', file, 'x', '--password', 'x']).code, 1);
    assert.equal(run([file]).code, 2);
    assert.equal(run(['--bogus', file, 'x']).code, 2);
    assert.equal(readFileSync(file, 'utf8'), before);
    const unwritable = run([join(dir, 'no-such-dir', 'f'), 'x', '--password', 'x']);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /cannot write .*no-such-dir/);
  });

  test('files stay usable by mosquitto_passwd, and its entries by rulemq', {
    skip: MOSQUITTO_PASSWD ? false : 'mosquitto_passwd is not installed here',
  }, async () => {
    const file = join(dir, 'mixed');
    assert.equal(run([file, 'ours', '--password', 'ours-pw']).code, 0);
    execFileSync(MOSQUITTO_PASSWD!, ['-b', file, 'theirs', 'theirs-pw']);
    execFileSync(MOSQUITTO_PASSWD!, ['-H', 'sha512', '-b', file, 'old', 'old-pw']);
    assert.equal(await verifies(file, 'ours', 'ours-pw'), true);
    assert.equal(await verifies(file, 'theirs', 'theirs-pw'), true);
    assert.equal(await verifies(file, 'old', 'old-pw'), true);
    // mosquitto_passwd parses our entry (it rewrites every line when deleting another user).
    execFileSync(MOSQUITTO_PASSWD!, ['-D', file, 'theirs']);
    assert.equal(await verifies(file, 'ours', 'ours-pw'), true);
    assert.equal(run([file, 'theirs', '--password', 'again']).code, 0);
    assert.equal(await verifies(file, 'theirs', 'again'), true);
  });
});

/**
 * Runs `rulemq passwd` on a pseudo-terminal (util-linux `script`), typing each answer only once its prompt
 * is on screen, as a person would. Returns everything the terminal showed.
 */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, 'passwd', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let answered = 0;
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString('utf8');
    const prompts = screen.match(/Password: |Reenter password: /g)?.length ?? 0;
    while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, screen })));
}

describe('rulemq passwd on a terminal', { skip: spawnSync('script', ['--version']).error ? 'util-linux script is not installed' : false }, () => {
  test('prompts twice without echoing the password, then stores it', async () => {
    const file = join(dir, 'tty-ok');
    const r = await onTerminal([file, 'tina'], ['t0p-s3cret', 't0p-s3cret']);
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Password: [\s\S]*Reenter password: /);
    assert.doesNotMatch(r.screen, /t0p-s3cret/);
    assert.match(r.screen, /added user 'tina'/);
    assert.equal(await verifies(file, 'tina', 't0p-s3cret'), true);
  });

  test('two different answers are refused and nothing is written', async () => {
    const file = join(dir, 'tty-mismatch');
    const r = await onTerminal([file, 'tina'], ['one-thing', 'another']);
    assert.equal(r.code, 1, r.screen);
    assert.match(r.screen, /passwords do not match/);
    assert.equal(existsSync(file), false);
  });
});
