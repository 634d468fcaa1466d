import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { endAll, recordMessages } from '../support/mqtt.js';
import { httpGet, httpPost, metricValue } from '../support/broker.js';
import { eventually } from '../support/rules-broker.js';
import { startChildBroker, type ChildBroker } from '../delivery/child-broker.js';
import { RedisServer } from './redis-server.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.create();
});
after(async () => {
  await redis?.stop();
});

function rulesFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rulemq-workers-')), 'rules.sql');
  writeFileSync(file, text);
  return file;
}

const ruleTo = (out: string) => `CREATE RULE fwd AS SELECT payload.v as v FROM "in/#" INTO republish(topic = '${out}', payload = '\${v}');\n`;

/** The `pids` of the supervisor's "rulemq ready" line: one per worker slot. */
function workerPids(b: ChildBroker): number[] {
  const line = b.logs.find((l) => /"msg":"rulemq ready"/.test(l));
  return (JSON.parse(line!) as { pids: number[] }).pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Connects clients until both workers hold at least one (the cluster module spreads new connections). */
async function clientsOnBothWorkers(b: ChildBroker, prefix: string): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < 40; i++) {
    // Without retries a connection closed before CONNACK rejects instead of waiting forever (a worker that
    // died as the connection was handed to it never answers; the client retries, as devices do).
    const url = `mqtt://127.0.0.1:${b.mqttPort}`;
    const opts = { clientId: `${prefix}-${i}`, reconnectPeriod: 0, connectTimeout: 3000 };
    clients.push(await mqtt.connectAsync(url, opts, false).catch(() => mqtt.connectAsync(url, opts, false)));
    if (clients.length < 2) continue;
    const text = (await httpGet(b.httpPort, '/metrics')).text;
    if (metricValue(text, 'rulemq_worker_connections', 'worker="1"') > 0 && metricValue(text, 'rulemq_worker_connections', 'worker="2"') > 0) return clients;
  }
  await endAll(...clients);
  throw new Error('40 connections all landed on one worker');
}

test('--workers above 1 without a Redis is refused at start-up, naming both settings', () => {
  const r = spawnSync(process.execPath, [CLI, 'start', '--workers', '2', '--mqtt-port', '0', '--http-port', '0'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /`workers` above 1 needs `redisUrl`/);
  const bad = spawnSync(process.execPath, [CLI, 'start', '--workers', 'many'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /`--workers` must be an integer from 1 to 256 or 'auto' \(got 'many'\)/);
});

test('--workers 2 with a bad rules file stops before any worker starts, with the error said once', () => {
  const file = rulesFile('CREATE RULE r AS SELECT x FROM WHERE;\n');
  const r = spawnSync(process.execPath, [CLI, 'start', '--workers', '2', '--redis-url', redis.url, '--rules', file, '--mqtt-port', '0', '--http-port', '0'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 2);
  assert.equal((r.stderr.match(/RULES_INVALID/g) ?? []).length, 1, r.stderr);
  assert.doesNotMatch(r.stdout, /starting 2 workers/);
});

test('--workers 2: clients spread over both workers, messages cross between them, /metrics sums the node and keeps per-worker series', async () => {
  const b = await startChildBroker(rulesFile(ruleTo('out/a')), 30_000, ['--workers', '2', '--redis-url', redis.url]);
  let clients: MqttClient[] = [];
  try {
    assert.equal(workerPids(b).length, 2);
    clients = await clientsOnBothWorkers(b, 'spread');
    const inboxes = clients.map((c) => recordMessages(c));
    for (const c of clients) await c.subscribeAsync('all/t', { qos: 1 });
    // Every client publishes once and every client must hear every message: with clients on both
    // workers, some of these deliveries cross from one worker process to the other.
    for (const [i, c] of clients.entries()) await c.publishAsync('all/t', `m${i}`, { qos: 1 });
    await eventually(() => inboxes.every((box) => box.length === clients.length), 10_000, 'every message at every client');
    for (const box of inboxes) assert.deepEqual(box.map((m) => m.payload).sort(), clients.map((_, i) => `m${i}`).sort());

    const text = (await httpGet(b.httpPort, '/metrics')).text;
    const perWorker = metricValue(text, 'rulemq_worker_connections', 'worker="1"') + metricValue(text, 'rulemq_worker_connections', 'worker="2"');
    assert.equal(perWorker, clients.length);
    assert.equal(metricValue(text, 'rulemq_connections'), clients.length, 'the node-wide gauge is the sum over the workers');
    assert.equal(metricValue(text, 'rulemq_workers', 'state="alive"'), 2);
    assert.match(text, /rulemq_worker_eventloop_delay_p99_seconds\{worker="2"\}/);
    assert.equal((text.match(/^rulemq_node_info\{/gm) ?? []).length, 2, 'one broker per worker');
  } finally {
    await endAll(...clients);
    await b.stop();
  }
});

test('--workers 2: every worker runs the rules, and a reload through one worker reaches the other', async () => {
  const file = rulesFile(ruleTo('out/a'));
  const b = await startChildBroker(file, 30_000, ['--workers', '2', '--redis-url', redis.url]);
  let clients: MqttClient[] = [];
  try {
    clients = await clientsOnBothWorkers(b, 'rules');
    const watcher = clients[0];
    const seen = recordMessages(watcher);
    await watcher.subscribeAsync('out/#', { qos: 1 });
    // Each publish runs the rule on the worker its publisher is connected to: both workers, then.
    const sendAll = async (tag: string) => {
      for (const [i, c] of clients.entries()) await c.publishAsync(`in/${i}`, JSON.stringify({ v: `${tag}${i}` }), { qos: 1 });
    };
    await sendAll('x');
    await eventually(() => seen.length === clients.length, 10_000, 'one republish per publish');
    assert.ok(seen.every((m) => m.topic === 'out/a'));

    writeFileSync(file, ruleTo('out/b'));
    const res = await httpPost(b.httpPort, '/api/v5/rules/reload', {});
    assert.equal(res.status, 200);
    seen.length = 0;
    await eventually(
      async () => {
        seen.length = 0;
        await sendAll('y');
        await new Promise((r) => setTimeout(r, 300));
        return seen.length === clients.length && seen.every((m) => m.topic === 'out/b');
      },
      10_000,
      'every worker republishes to the reloaded topic',
    );
  } finally {
    await endAll(...clients);
    await b.stop();
  }
});

test('--workers 2: a worker that dies is replaced and counted; SIGTERM drains every worker and the node exits 0', async () => {
  const b = await startChildBroker(rulesFile(ruleTo('out/a')), 30_000, ['--workers', '2', '--redis-url', redis.url]);
  let clients: MqttClient[] = [];
  const [first, second] = workerPids(b);
  try {
    process.kill(first, 'SIGKILL');
    await eventually(
      async () => {
        // A request on a kept-alive connection of the killed worker fails, and one the cluster module handed to
        // that worker as it died is never answered (Node's round-robin hand-off has no retry): the next one goes elsewhere.
        const text = (await httpGet(b.httpPort, '/metrics', 2000).catch(() => ({ text: '' }))).text;
        return metricValue(text, 'rulemq_worker_restarts_total') === 1 && metricValue(text, 'rulemq_workers', 'state="alive"') === 2;
      },
      15_000,
      'a replacement worker',
    );
    assert.ok(b.logs.some((l) => /worker died; starting a replacement/.test(l) && l.includes(`"pid":${first}`)));
    await eventually(() => /replacement worker ready/.test(b.logs.join('\n')), 15_000, 'the replacement to be ready');
    // The replacement serves clients like the worker it replaced.
    clients = await clientsOnBothWorkers(b, 'after');
    await endAll(...clients);
    const replacement = Number(/"pid":(\d+),"msg":"replacement worker ready"/.exec(b.logs.join('\n'))?.[1]);
    assert.ok(alive(second) && alive(replacement));
    const exited = new Promise<number | null>((resolve) => b.proc.once('exit', (code) => resolve(code)));
    b.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(b.logs.filter((l) => /"msg":"stopped"/.test(l) && /"worker":/.test(l)).length, 2, 'both workers drained and said so');
    assert.ok(!alive(second) && !alive(replacement), 'no worker outlives the node');
  } finally {
    await endAll(...clients);
    await b.kill9();
    for (const pid of workerPids(b)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});
