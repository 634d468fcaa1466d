/**
 * A/B of the HStreamDB action's cost on the broker's event loop, between this build and another one
 * (a patched copy of dist/, as for engine-ab.js), in ONE process, alternating rounds: both builds see
 * the same machine load. Each round offers seed-shaped rows at a fixed rate, a few per event-loop
 * turn as the broker's publish path does, to an action writing to the HStreamDB test server (in a
 * child process, so it does not share this process's CPU). Reported per row: CPU of the main thread
 * (the broker's event loop; /proc schedstat, ns resolution), CPU of the other threads (the Append
 * worker), and records per Append at the server.
 *
 *   BENCH_VARIANT_DIST=/tmp/rmqv/dist node dist/benchmarks/sink-ab.js
 *
 * Environment: BENCH_ROUNDS [6], BENCH_SECONDS [2] per round, BENCH_RATE [40000] rows/s, BENCH_PER_TURN [20],
 * BENCH_KEYS [1] partition keys, BENCH_SINK_SETTINGS / BENCH_CONNECTOR_SETTINGS (JSON merged into the action's /
 * connector's settings, e.g. '{"append_threads":0}').
 * Without BENCH_VARIANT_DIST it compares this build with itself (the spread you get for "no change").
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SEED_TEMPLATE = '{"up_timestamp": ${up_timestamp}, "client_id": ${client_id}, "temp": ${temp}, "hum": ${hum}}';

interface ActionLike {
  start(): Promise<void>;
  whenReady(ms: number): Promise<boolean>;
  whenIdle(ms: number): Promise<boolean>;
  send(row: Record<string, unknown>, env: { ruleName: string }, done?: (err: Error | null) => void): void;
  stats(): { success: number; dropped: number; failed: number; matched: number };
  close(graceMs?: number): Promise<void>;
}

interface Built {
  action: ActionLike;
  close(): Promise<void>;
}

async function actionFrom(dist: string, port: number, stream: string): Promise<Built> {
  const mod = (p: string) => import(pathToFileURL(join(dist, p)).href);
  const [{ parseActionSettings, parseConnectorSettings }, { createHStreamConnector }, { createHStreamAction }] = await Promise.all([
    mod('sinks/hstreamdb/config.js'),
    mod('sinks/hstreamdb/connector.js'),
    mod('sinks/hstreamdb/sink.js'),
  ]);
  const connector = createHStreamConnector(
    parseConnectorSettings({
      url: `hstream://127.0.0.1:${port}`,
      grpc_timeout: '30s',
      ...(process.env.BENCH_CONNECTOR_SETTINGS ? (JSON.parse(process.env.BENCH_CONNECTOR_SETTINGS) as Record<string, unknown>) : {}),
    }),
  );
  const extra = process.env.BENCH_SINK_SETTINGS ? (JSON.parse(process.env.BENCH_SINK_SETTINGS) as Record<string, unknown>) : {};
  const action = createHStreamAction(
    'ab',
    parseActionSettings({
      connector: 'c',
      stream,
      partition_key: '${client_id}',
      record_template: SEED_TEMPLATE,
      query_mode: 'async',
      batch_size: 100,
      batch_interval: '50ms',
      ...extra,
    }),
    connector,
  ) as ActionLike;
  await action.start();
  if (!(await action.whenReady(10_000))) throw new Error(`action of ${dist} found no shards`);
  return {
    action,
    async close() {
      await action.close(2000);
      await connector.close();
    },
  };
}

function serverChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, port: (m as { port: number }).port })));
}

function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send({ cmd });
  });
}

async function serve(): Promise<void> {
  const { HStreamTestServer } = await import('../tests/support/hstream-server.js');
  const server = new HStreamTestServer({ decode: 'count' });
  await server.start();
  server.createStream('a', 4);
  server.createStream('b', 4);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'count') process.send!({ count: server.recordCount, appends: server.calls.Append ?? 0 });
    if (m.cmd === 'stop') void server.stop().then(() => process.exit(0));
  });
  process.send!({ port: server.port });
}

/** Seconds the main thread (this process's event loop) has been on a CPU. */
function mainThreadCpuSec(): number {
  const [run] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return run / 1e9;
}

function processCpuSec(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Round {
  rows: number;
  mainUs: number;
  otherUs: number;
  rowsPerAppend: number;
  lost: number;
}

async function round(
  a: ActionLike | null,
  server: ChildProcess,
  seconds: number,
  rate: number,
  perTurn: number,
  keys: number,
  seq: { n: number },
): Promise<Round> {
  const before = a?.stats() ?? { success: 0 };
  const s0 = await ask<{ count: number; appends: number }>(server, 'count');
  const m0 = mainThreadCpuSec();
  const p0 = processCpuSec();
  const t0 = performance.now();
  const env = { ruleName: 'ab' };
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= seconds) return resolve();
      const due = Math.floor(elapsed * rate);
      // At most a few rows per turn, as the broker hands them over one PUBLISH at a time.
      for (let k = 0; k < perTurn && sent < due; k++, sent++) {
        const i = seq.n++;
        const row = { up_timestamp: 1700000000123 + i, client_id: `dev-${i % keys}`, temp: '27.5', hum: '41.8' };
        if (a !== null) a.send(row, env);
      }
      // Behind: the next turn at once; caught up: sleep (a spinning loop would be most of the CPU measured).
      if (sent < due) setImmediate(tick);
      else setTimeout(tick, 1);
    };
    setImmediate(tick);
  });
  await a?.whenIdle(30_000);
  const m1 = mainThreadCpuSec();
  const p1 = processCpuSec();
  const s1 = await ask<{ count: number; appends: number }>(server, 'count');
  const ok = a === null ? sent : a.stats().success - before.success;
  return {
    rows: sent,
    mainUs: ((m1 - m0) * 1e6) / sent,
    otherUs: ((p1 - p0 - (m1 - m0)) * 1e6) / sent,
    rowsPerAppend: (s1.count - s0.count) / Math.max(1, s1.appends - s0.appends),
    lost: sent - ok,
  };
}

async function main(): Promise<void> {
  const here = fileURLToPath(new URL('../', import.meta.url));
  const other = process.env.BENCH_VARIANT_DIST ?? here;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  const rate = Number(process.env.BENCH_RATE ?? 40_000);
  const perTurn = Number(process.env.BENCH_PER_TURN ?? 20);
  const keys = Number(process.env.BENCH_KEYS ?? 1);
  const { child, port } = await serverChild();
  const a = await actionFrom(here, port, 'a');
  const b = await actionFrom(other, port, 'b');
  const seq = { n: 0 };
  // Warm-up: JIT and the worker threads' HTTP/2 sessions.
  await round(a.action, child, 1, rate, perTurn, keys, seq);
  await round(b.action, child, 1, rate, perTurn, keys, seq);
  const ra: Round[] = [];
  const rb: Round[] = [];
  // The harness alone (pacing loop and row objects, no action): subtract it from both.
  const harness = await round(null, child, seconds, rate, perTurn, keys, seq);
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0;
    (first ? ra : rb).push(await round((first ? a : b).action, child, seconds, rate, perTurn, keys, seq));
    (first ? rb : ra).push(await round((first ? b : a).action, child, seconds, rate, perTurn, keys, seq));
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
  const line = (name: string, rs: Round[]) =>
    `${name}: main thread ${med(rs.map((x) => x.mainUs)).toFixed(2)} µs/row (${rs.map((x) => x.mainUs.toFixed(2)).join(', ')}), ` +
    `other threads ${med(rs.map((x) => x.otherUs)).toFixed(2)} µs/row, ${med(rs.map((x) => x.rowsPerAppend)).toFixed(0)} rows/Append, ` +
    `not written ${rs.reduce((n, x) => n + x.lost, 0)}`;
  console.log(`${rate} rows/s offered, ${perTurn} per turn, ${keys} key(s), ${rounds} × ${seconds} s rounds (median, then each round)`);
  console.log(`harness alone (included in both): main thread ${harness.mainUs.toFixed(2)} µs/row`);
  console.log(line(`A ${here}`, ra));
  console.log(line(`B ${other}`, rb));
  console.log(`B − A main thread: ${(med(rb.map((x) => x.mainUs)) - med(ra.map((x) => x.mainUs))).toFixed(2)} µs/row`);
  await a.close();
  await b.close();
  // The server child answers 'stop' by exiting; it is ended for sure if it has not within a second.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ cmd: 'stop' });
  const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
  await exited;
  clearTimeout(kill);
}

if (process.argv.includes('--server')) await serve();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
