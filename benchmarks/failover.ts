/**
 * Redis Sentinel failover under a paced QoS 1 stream between two rulemq nodes, each in its own
 * process (`node dist/broker/cli.js start --redis-url redis-sentinel://…#mymaster`). A primary, a
 * replica and a Sentinel (down-after 1000 ms) are started per run; a publisher (MQTT.js, persistent
 * session) on node A sends the sequence 0, 1, 2… at a steady rate to a subscriber (persistent
 * session, QoS 1) on node B; the primary is killed (SIGKILL) mid-stream. Printed per run and as
 * the median of the runs: time from the kill to Sentinel's promotion and until each node's
 * /readyz is 200 again, the longest gap between two deliveries at the subscriber, PUBLISHes
 * refused by node A and resent by the client, and the lost (acknowledged, never delivered) and
 * duplicated counts. A script, not a test:
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/failover.js [--runs 5] [--rate 1000] [--before 3] [--after 3] [--freeze]
 *
 * --freeze stops the primary with SIGSTOP instead: a host that stops answering, its connections left open.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildBroker, type ChildBroker } from '../tests/delivery/child-broker.js';
import { startSentinelGroup } from '../tests/cluster/sentinel.js';
import { SeqPublisher, countSequence, deviceClient } from '../tests/cluster/sequence-stream.js';
import { endAll } from '../tests/support/mqtt.js';
import { metricValue } from '../tests/support/broker.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RUNS = arg('runs', 5);
const RATE = arg('rate', 1000);
const BEFORE_S = arg('before', 3);
const AFTER_S = arg('after', 3);
const FREEZE = process.argv.includes('--freeze');
const TICK_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  promotedMs: number;
  readyAMs: number;
  readyBMs: number;
  longestGapMs: number;
  published: number;
  refused: number;
  resent: number;
  lost: number;
  duplicates: number;
}

async function status(port: number, path: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

/**
 * Polls a node's /readyz every 10 ms from the kill on. `readyAgainMs`: from the kill to the last
 * time it turned 200 after being anything else (NaN while it never was: a frozen primary can go
 * unnoticed until the failover, and the switch can be too quick to catch).
 */
function watchReadiness(port: number, since: number): { readonly ready: boolean; readonly readyAgainMs: number; stop(): void } {
  let stopped = false;
  let last = 200;
  let sawNotReady = false;
  let readyAgainMs = NaN;
  const state = {
    get ready() {
      return sawNotReady && last === 200;
    },
    get readyAgainMs() {
      return readyAgainMs;
    },
    stop() {
      stopped = true;
    },
  };
  void (async () => {
    while (!stopped) {
      const now = (await status(port, '/readyz')).status;
      if (now !== 200) sawNotReady = true;
      else if (last !== 200) readyAgainMs = Date.now() - since;
      last = now;
      await sleep(10);
    }
  })();
  return state;
}

/** Milliseconds from `since` until `check` holds (polled every 10 ms), or NaN after `timeoutMs`. */
async function msUntil(since: number, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return Date.now() - since;
    await sleep(10);
  }
  return NaN;
}

async function oneRun(rulesFile: string, n: number): Promise<Run> {
  const redis = await startSentinelGroup(1000);
  const nodes: ChildBroker[] = [];
  try {
    for (const name of ['fo-a', 'fo-b']) nodes.push(await startChildBroker(rulesFile, 20_000, ['--redis-url', redis.url, '--node-name', name]));
    const [a, b] = nodes;
    const sub = await deviceClient(`mqtt://127.0.0.1:${b.mqttPort}`, { clientId: `bench-fo-sub-${n}`, clean: false, reconnectPeriod: 100 });
    const received: number[] = [];
    let last = 0;
    let longestGapMs = 0;
    sub.on('message', (_t, payload) => {
      const t = performance.now();
      if (last > 0) longestGapMs = Math.max(longestGapMs, t - last);
      last = t;
      received.push(Number(payload.toString()));
    });
    await sub.subscribeAsync('bench/fo', { qos: 1 });
    const pub = new SeqPublisher(
      await deviceClient(`mqtt://127.0.0.1:${a.mqttPort}`, { clientId: `bench-fo-pub-${n}`, clean: false, reconnectPeriod: 100 }),
      () => 'bench/fo',
    );
    try {
      pub.start(TICK_MS, Math.max(1, Math.round((RATE * TICK_MS) / 1000)));
      await sleep(BEFORE_S * 1000);

      await (FREEZE ? redis.freezePrimary() : redis.primary.kill());
      const killedAt = Date.now();
      const readiness = [watchReadiness(a.httpPort, killedAt), watchReadiness(b.httpPort, killedAt)];
      const promotedMs = await redis.promoted(30_000).then(
        () => Date.now() - killedAt,
        () => NaN,
      );
      // Both nodes ready (or the wait is over), then the stream goes on for AFTER_S seconds.
      await msUntil(Date.now(), async () => readiness.every((r) => r.ready), 30_000);
      await sleep(AFTER_S * 1000);
      for (const r of readiness) r.stop();
      const [readyAMs, readyBMs] = readiness.map((r) => r.readyAgainMs);
      pub.stop();
      const total = pub.total;
      await msUntil(Date.now(), async () => pub.acked.size === total, 30_000);
      await msUntil(Date.now(), async () => countSequence(total, pub.acked, received).missing.length === 0, 10_000);
      const counted = countSequence(total, pub.acked, received);
      const metrics = (await status(a.httpPort, '/metrics')).text;
      return {
        promotedMs,
        readyAMs,
        readyBMs,
        longestGapMs: Math.round(longestGapMs),
        published: total,
        refused: metricValue(metrics, 'rulemq_cluster_publishes_refused_total', 'qos="1"'),
        resent: pub.resent + pub.appRetries,
        lost: counted.lost.length,
        duplicates: counted.duplicates,
      };
    } finally {
      pub.stop();
      await endAll(sub, pub.client);
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
  }
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const COLUMNS: Array<[keyof Run, string]> = [
  ['promotedMs', 'kill → promoted (ms)'],
  ['readyAMs', 'kill → A ready (ms)'],
  ['readyBMs', 'kill → B ready (ms)'],
  ['longestGapMs', 'longest delivery gap (ms)'],
  ['published', 'published'],
  ['refused', 'refused by A'],
  ['resent', 'resent by client'],
  ['lost', 'lost'],
  ['duplicates', 'duplicates'],
];

function row(label: string, values: number[]): string {
  return `| ${label} | ${values.map((v) => (Number.isNaN(v) ? '–' : String(Math.round(v)))).join(' | ')} |`;
}

async function main(): Promise<void> {
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'rulemq-bench-failover-')), 'rules.sql');
  writeFileSync(rulesFile, '');
  console.log(
    `Sentinel failover (down-after 1000 ms): QoS 1 stream at ${RATE} msg/s from node A to node B, primary ${FREEZE ? 'frozen (SIGSTOP)' : 'killed'} after ${BEFORE_S} s, ${AFTER_S} s more after both nodes are ready; ${RUNS} runs\n`,
  );
  const runs: Run[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await oneRun(rulesFile, i);
    runs.push(r);
    console.log(`run ${i}: ${COLUMNS.map(([k, label]) => `${label} ${r[k]}`).join(', ')}`);
  }
  console.log(`\n| run | ${COLUMNS.map(([, label]) => label).join(' | ')} |`);
  console.log(`| --- |${COLUMNS.map(() => ' ---: |').join('')}`);
  for (const [i, r] of runs.entries())
    console.log(
      row(
        String(i + 1),
        COLUMNS.map(([k]) => r[k]),
      ),
    );

  console.log(
    row(
      'median',
      COLUMNS.map(([k]) => median(runs.map((r) => r[k]))),
    ),
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
