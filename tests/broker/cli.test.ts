import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectClient, endAll } from '../support/mqtt.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

interface Proc {
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

function run(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = {
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: (s) => child.kill(s),
    waitFor(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout: ${p.stdout}; stderr: ${p.stderr}`)), timeoutMs);
        const check = () => {
          const m = p.stdout.match(re);
          if (m) {
            clearTimeout(t);
            resolve(m);
          } else setTimeout(check, 20);
        };
        check();
      });
    },
  };
  child.stdout.on('data', (d) => (p.stdout += d));
  child.stderr.on('data', (d) => (p.stderr += d));
  return p;
}

describe('rulemq CLI', () => {
  test('start announces the real OS-chosen ports, serves MQTT, and exits 0 on SIGTERM', async () => {
    const p = run(['start', '--host', '127.0.0.1', '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0']);
    const m = await p.waitFor(/"listener":"mqtt-tcp","host":"127.0.0.1","port":(\d+)/);
    const port = Number(m[1]);
    assert.ok(port > 0);
    await p.waitFor(/rulemq ready/);
    const c = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: 'cli-test' });
    assert.equal(c.connected, true);
    await endAll(c);
    p.kill('SIGTERM');
    assert.equal(await p.exit, 0);
    assert.match(p.stdout, /"msg":"stopped"/);
  });

  test('exits 0 on SIGINT too', async () => {
    const p = run(['start', '--host', '127.0.0.1', '--mqtt-port', '0', '--ws-port', 'off', '--http-port', '0']);
    await p.waitFor(/rulemq ready/);
    p.kill('SIGINT');
    assert.equal(await p.exit, 0);
  });

  test('a bad flag value stops start-up with an error naming the key, exit code 2', async () => {
    const p = run(['start', '--mqtt-port', 'abc']);
    assert.equal(await p.exit, 2);
    assert.match(p.stderr, /`--mqtt-port` must be a port from 0 to 65535/);
  });

  test('an unknown flag is refused', async () => {
    const p = run(['start', '--mqtt-prot', '1']);
    assert.equal(await p.exit, 2);
    assert.match(p.stderr, /Unknown option '--mqtt-prot'/);
  });

  test('a bad RULEMQ_ environment variable is refused', async () => {
    const p = run(['start'], { RULEMQ_LOG_LEVEL: 'chatty' });
    assert.equal(await p.exit, 2);
    assert.match(p.stderr, /`RULEMQ_LOG_LEVEL` must be one of/);
  });

  test('a port in use fails with LISTEN_FAILED and exit code 2', async () => {
    const first = run(['start', '--host', '127.0.0.1', '--mqtt-port', '0', '--ws-port', 'off', '--http-port', 'off']);
    const m = await first.waitFor(/"listener":"mqtt-tcp","host":"127.0.0.1","port":(\d+)/);
    const second = run(['start', '--host', '127.0.0.1', '--mqtt-port', m[1], '--ws-port', 'off', '--http-port', 'off']);
    assert.equal(await second.exit, 2);
    assert.match(second.stderr, /LISTEN_FAILED: mqtt-tcp listener cannot bind 127.0.0.1:\d+: EADDRINUSE/);
    first.kill('SIGTERM');
    assert.equal(await first.exit, 0);
  });

  test('help lists every flag; an unknown command exits 2', async () => {
    const help = run(['help']);
    assert.equal(await help.exit, 0);
    assert.match(help.stdout, /--max-packet-bytes/);
    const bad = run(['frobnicate']);
    assert.equal(await bad.exit, 2);
  });
});
