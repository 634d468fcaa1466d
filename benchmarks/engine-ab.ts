/**
 * A/B of the rule engine's publish hot path (RuleEngine.onPublish with the seed rule and a counting
 * action, no sockets) between this build and another one (a patched copy of dist/), in ONE process,
 * alternating short rounds: the two builds see the same machine load, so a change of a few hundred
 * ns per message is visible even on a shared machine where whole-broker runs vary by ±10 %.
 *
 *   BENCH_VARIANT_DIST=/tmp/rmqv/dist node dist/benchmarks/engine-ab.js
 *
 * Environment: BENCH_ROUNDS [20], BENCH_MESSAGES [200000] per round. Without BENCH_VARIANT_DIST it
 * compares this build with itself (the spread you get for "no change").
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AedesPublishPacket, Client } from 'aedes';

const SEED = 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"';
const silent = { info() {}, warn() {}, error() {}, debug() {} };

interface Engine {
  onPublish(packet: AedesPublishPacket, client: Client): void;
}

/** Builds a RuleEngine with the seed rule from the build in `dist`, its output counted by a stub action. */
async function engineFrom(dist: string): Promise<{ engine: Engine; rows: () => number }> {
  const mod = (p: string) => import(pathToFileURL(join(dist, p)).href);
  const [{ RuleEngine }, { planRules }, { buildRuleSet, RuleSet }, { createSinkRegistry }, { emptyStats }] = await Promise.all([
    mod('rules/engine.js'),
    mod('rules/load.js'),
    mod('rules/rule-set.js'),
    mod('sinks/index.js'),
    mod('sinks/contract.js'),
  ]);
  let rows = 0;
  const action = {
    name: 'count',
    type: 'count',
    async start() {},
    send() {
      rows++;
    },
    stats: () => emptyStats(),
    status: () => 'connected',
    async close() {},
  };
  const plan = planRules(`CREATE RULE seed AS ${SEED} INTO console;\n`, { fileName: 'ab.sql', sinks: createSinkRegistry() });
  const deps = {
    publisher: { publish() {} },
    logger: silent,
    sinks: createSinkRegistry(),
    metricsFor: () => ({ observeAppendSeconds() {}, observeBatchSize() {} }),
  };
  const { set } = buildRuleSet(plan, RuleSet.empty(), deps);
  (set.rule('seed') as { actions: unknown[] }).actions = [action];
  const engine = new RuleEngine('bench@node');
  engine.swap(set);
  return { engine, rows: () => rows };
}

function round(engine: Engine, n: number, client: Client, packet: AedesPublishPacket): number {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) engine.onPublish(packet, client);
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / n;
}

async function main(): Promise<void> {
  const here = fileURLToPath(new URL('../', import.meta.url));
  const other = process.env.BENCH_VARIANT_DIST ?? here;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
  const n = Number(process.env.BENCH_MESSAGES ?? 200_000);
  const a = await engineFrom(here);
  const b = await engineFrom(other);
  const client = { id: 'dev-1' } as unknown as Client;
  const payload = Buffer.from('{"temp": "27.5", "hum": "41.8", "seq": "0000000001", "ts": "000000000000", "pub": "000", "ok": true}');
  let counter = 0;
  const packet = () =>
    ({ cmd: 'publish', topic: 'temp_hum/emqx', payload, qos: 1, retain: false, dup: false, brokerCounter: ++counter }) as unknown as AedesPublishPacket;
  const p = packet();
  for (let i = 0; i < 3; i++) {
    round(a.engine, n / 2, client, p);
    round(b.engine, n / 2, client, p);
  }
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // A fresh brokerCounter per round keeps ids realistic (they grow) without an allocation per message.
    const q = packet();
    (q as { brokerCounter: number }).brokerCounter = 1_000_000 * (r + 1);
    if (r % 2 === 0) {
      ra.push(round(a.engine, n, client, q));
      rb.push(round(b.engine, n, client, q));
    } else {
      rb.push(round(b.engine, n, client, q));
      ra.push(round(a.engine, n, client, q));
    }
  }
  const s = (xs: number[]) => [...xs].sort((x, y) => x - y);
  const med = (xs: number[]) => s(xs)[Math.floor(xs.length / 2)];
  const min = (xs: number[]) => s(xs)[0];
  console.log(`onPublish, seed rule, counting action; ${rounds} alternating rounds of ${n} messages; CPU ns/message`);
  console.log(`  A (this build ${here}): min ${min(ra).toFixed(0)}, median ${med(ra).toFixed(0)}`);
  console.log(`  B (${other}): min ${min(rb).toFixed(0)}, median ${med(rb).toFixed(0)}`);
  console.log(`  B/A: min ${(min(rb) / min(ra)).toFixed(3)}, median ${(med(rb) / med(ra)).toFixed(3)}`);
  if (a.rows() === 0 || b.rows() === 0) throw new Error('the seed rule produced no rows');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
