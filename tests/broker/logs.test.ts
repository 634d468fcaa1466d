import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/rules-broker.js';
import { startTestBroker } from '../support/broker.js';
import { connectClient, endAll } from '../support/mqtt.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

type Line = Record<string, unknown> & { msg: string };
const parsed = (logs: string[]): Line[] =>
  logs.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line),
  );

describe('logs', () => {
  test('--log-level debug logs connect, subscribe, unsubscribe and disconnect with client id, address and reason', async () => {
    const b = await startTestBroker({ logLevel: 'debug', wsPort: 'off', tlsPort: 'off', wssPort: 'off' });
    try {
      const url = `mqtt://127.0.0.1:${b.ports['mqtt-tcp']}`;
      const polite = await connectClient(url, { clientId: 'dbg-polite' });
      await polite.subscribeAsync('sensors/#', { qos: 1 });
      await polite.unsubscribeAsync('sensors/#');
      await polite.endAsync(); // sends DISCONNECT
      const rude = await connectClient(url, { clientId: 'dbg-rude', reconnectPeriod: 0 });
      (rude.stream as unknown as { destroy(): void }).destroy();
      await eventually(() => parsed(b.logs).some((l) => l.clientid === 'dbg-rude' && /disconnected/.test(l.msg)), 5000, 'the second disconnect line');

      const lines = parsed(b.logs).filter((l) => l.clientid === 'dbg-polite');
      const connected = lines.find((l) => l.msg.startsWith('client connected: dbg-polite'));
      assert.ok(connected, JSON.stringify(lines));
      assert.match(String(connected.remote), /^127\.0\.0\.1:\d+$/);
      const sub = lines.find((l) => l.msg.startsWith('client subscribed'));
      assert.deepEqual(sub?.subscriptions, [{ topic: 'sensors/#', qos: 1 }]);
      assert.equal(sub?.remote, connected.remote);
      assert.deepEqual(lines.find((l) => l.msg.startsWith('client unsubscribed'))?.topics, ['sensors/#']);
      const gone = lines.find((l) => l.msg.startsWith('client disconnected'));
      assert.equal(gone?.reason, 'client sent DISCONNECT');
      assert.equal(gone?.remote, connected.remote);
      const rudeGone = parsed(b.logs).find((l) => l.clientid === 'dbg-rude' && l.msg.startsWith('client disconnected'));
      assert.notEqual(rudeGone?.reason, 'client sent DISCONNECT');
      assert.match(String(rudeGone?.remote), /^127\.0\.0\.1:\d+$/);
    } finally {
      await b.close(0);
    }
  });

  test('at info, connections log nothing; JSON lines carry an ISO 8601 time', async () => {
    const b = await startTestBroker({ logLevel: 'info', wsPort: 'off', tlsPort: 'off', wssPort: 'off' });
    try {
      const c = await connectClient(`mqtt://127.0.0.1:${b.ports['mqtt-tcp']}`, { clientId: 'quiet' });
      await endAll(c);
      const lines = parsed(b.logs);
      assert.ok(lines.length > 0);
      assert.equal(lines.filter((l) => l.clientid === 'quiet').length, 0);
      for (const l of lines) assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await b.close(0);
    }
  });

  /** Runs `rulemq start` until it logs readiness, then stops it; `tty` runs it on a pseudo-terminal (util-linux script). */
  function startOutput(args: string[], tty: boolean): Promise<string> {
    const argv = [CLI, 'start', '--host', '127.0.0.1', '--mqtt-port', '0', '--ws-port', 'off', '--http-port', 'off', ...args];
    const child = tty
      ? spawn('script', ['-qec', [process.execPath, ...argv].join(' '), '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    return new Promise((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (/rulemq ready/.test(out)) child.kill('SIGTERM');
      });
      child.on('exit', () => resolve(out));
      if (tty) child.stdin!.end();
    });
  }

  test('--log-format pretty prints readable lines instead of JSON', async () => {
    const out = await startOutput(['--log-format', 'pretty'], false);
    assert.match(out, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: mqtt-tcp listening on 127\.0\.0\.1:\d+/m);
    assert.doesNotMatch(out, /^\{/m);
  });

  test('on a terminal the default is readable text; through a pipe it is JSON', { skip: spawnSyncFails('script') }, async () => {
    const onTty = await startOutput([], true);
    assert.match(onTty, /INFO.*rulemq ready/);
    assert.doesNotMatch(onTty, /"msg":/);
    const piped = await startOutput([], false);
    assert.match(piped, /"msg":"rulemq ready"/);
  });
});

function spawnSyncFails(cmd: string): string | false {
  return spawnSync(cmd, ['--version']).error ? `${cmd} is not installed` : false;
}
