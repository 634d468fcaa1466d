import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_ITERATIONS, MAX_ITERATIONS, formatHash, hashPassword } from '../auth/password-hash.js';
import { StringFault, checkString } from '../validation/utf8.js';
import { promptNewPassword } from './prompt-password.js';

export const PASSWD_HELP = `Usage: rulemq passwd [-c] [-I ITERATIONS] FILE USER [--password PASSWORD]
       rulemq passwd -D FILE USER

Adds or updates USER in the mosquitto-compatible password file FILE ($7$ = PBKDF2-SHA512 hashes,
readable by mosquitto and mosquitto_passwd). The password comes from --password; without it, on a
terminal, it is prompted for twice without being shown (as mosquitto_passwd does), and otherwise read
from standard input (the first line). A running broker picks the change up on SIGHUP.

  -c, --create           start a new file (overwrites FILE)
  -D, --delete           remove USER
  -I, --iterations N     PBKDF2 iterations (default ${DEFAULT_ITERATIONS}, as mosquitto_passwd)
      --password PASS    the password (visible to other local users in the process list: prefer the prompt)
  -h, --help             this text
`;

const PASSWD_OPTIONS = {
  create: { type: 'boolean', short: 'c' },
  delete: { type: 'boolean', short: 'D' },
  iterations: { type: 'string', short: 'I' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `rulemq passwd`: exit 0 done, 1 refused (bad user name, missing user...), 2 usage error. */
export async function runPasswd(argv: string[], stdin: NodeJS.ReadStream = process.stdin, prompts: NodeJS.WritableStream = process.stderr): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: typeof PASSWD_OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: PASSWD_OPTIONS });
  } catch (err) {
    process.stderr.write(`rulemq passwd: ${(err as Error).message}\n\n${PASSWD_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(PASSWD_HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    process.stderr.write(`rulemq passwd: expected FILE and USER\n\n${PASSWD_HELP}`);
    return 2;
  }
  const [file, user] = positionals;
  const problem = userNameProblem(user);
  if (problem) return fail(problem);
  if (values.delete && (values.create || values.password !== undefined)) {
    process.stderr.write(`rulemq passwd: -D takes no password and cannot be combined with -c\n\n${PASSWD_HELP}`);
    return 2;
  }

  let lines: string[];
  try {
    lines = values.create || !existsSync(file) ? [] : readFileSync(file, 'utf8').split('\n');
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const index = lines.findIndex((l) => l.slice(0, l.indexOf(':')) === user && l.includes(':'));

  if (values.delete) {
    if (index < 0) return fail(`user '${user}' is not in ${file}`);
    lines.splice(index, 1);
    const problem = writeAtomically(file, lines);
    if (problem) return fail(problem);
    process.stdout.write(`rulemq: deleted user '${user}' from ${file}\n`);
    return 0;
  }

  let iterations = DEFAULT_ITERATIONS;
  if (values.iterations !== undefined) {
    iterations = /^\d+$/.test(values.iterations) ? Number(values.iterations) : NaN;
    if (!(iterations >= 1 && iterations <= MAX_ITERATIONS))
      return fail(`--iterations must be an integer from 1 to ${MAX_ITERATIONS} (got '${values.iterations}')`);
  }
  let password: string | null;
  if (values.password !== undefined) password = values.password;
  else if (stdin.isTTY) {
    const answer = await promptNewPassword(stdin, prompts);
    if ('problem' in answer) return fail(answer.problem);
    password = answer.password;
  } else password = await readPasswordLine(stdin);
  if (password === null) return fail('no password: give --password, type it at the prompt or pipe it on standard input');
  if (password === '') return fail('the password is empty');

  const entry = `${user}:${formatHash(await hashPassword(password, iterations))}`;
  if (index >= 0) lines[index] = entry;
  else lines.push(entry);
  const writeProblem = writeAtomically(file, lines);
  if (writeProblem) return fail(writeProblem);
  process.stdout.write(`rulemq: ${index >= 0 ? 'updated' : 'added'} user '${user}' in ${file}\n`);
  return 0;
}

/** mosquitto_passwd's rules: no ':' (the field separator), valid UTF-8 without control characters. */
function userNameProblem(user: string): string | null {
  if (user === '') return 'the user name is empty';
  if (user.includes(':')) return "a user name must not contain ':'";
  const bytes = Buffer.from(user, 'utf8');
  if (bytes.length > 65535) return 'the user name is longer than 65535 bytes';
  if (checkString(bytes, 0, bytes.length) !== StringFault.None) return 'the user name holds a control character';
  return null;
}

function fail(message: string): number {
  process.stderr.write(`rulemq passwd: ${message}\n`);
  return 1;
}

/** The first line of standard input (without its line ending), or null when it is empty. */
async function readPasswordLine(stdin: NodeJS.ReadableStream): Promise<string | null> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  if (chunks.length === 0) return null;
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

/**
 * Writes through a temporary file and a rename: a crash never leaves half a password file. A new
 * file is private (0600); an existing one keeps its mode (a broker running as another user may
 * need group read). Returns the problem, or null when written.
 */
function writeAtomically(file: string, lines: string[]): string | null {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
    writeFileSync(tmp, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode });
    renameSync(tmp, file);
    return null;
  } catch (err) {
    rmSync(tmp, { force: true });
    return `cannot write ${file}: ${(err as Error).message}`;
  }
}
