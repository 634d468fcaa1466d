/**
 * Rule evaluation throughput: `node dist/benchmarks/rule-eval.js [seconds-per-round]`.
 *
 * Each row builds a fresh context from a ~100-byte JSON payload and evaluates the rule, so the figure includes
 * the JSON decode (once per context). A baseline in the same run (fresh context + JSON.parse, nothing else)
 * shows how much of the cost is the decode itself; read every figure against it — the machine's speed and load
 * move all of them together. Five rounds each; the best and the median rows per CPU-second are printed (the rate
 * of one core, robust to other load on the machine) with the median wall-clock rate beside them.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileRule, type CompiledRule } from '../rules/compile.js';
import { createMessageContext } from '../rules/context.js';

let ROUND_SECONDS = 0.6;
const ROUNDS = 5;

export const SEED_SQL = 'SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"';
const SEED_PAYLOAD = '{"temp": "27.5", "hum": "41.8", "device": "sensor-0001", "site": "plant-a", "seq": 12345, "ok": true}';

export const RICH_SQL = `SELECT upper(payload.device.site) AS site, round(payload.reading.temp) AS temp,
  str(payload.seq) AS seq, timestamp FROM "sensors/#"
  WHERE payload.reading.hum > 40 AND payload.ok = true`;
const RICH_PAYLOAD = '{"device":{"id":"sensor-0001","site":"plant-a"},"reading":{"temp":27.5,"hum":41.8},"seq":12345,"ok":true}';

let sink = 0;

/**
 * Rows per second of CPU time (user + system of this process) and of wall time. Other processes on a shared
 * machine slow the wall-time figure down; the CPU-time figure is the rate one core sustains.
 */
export interface Rate {
  /** Rows per CPU-second: best and median of the rounds. */
  best: number;
  median: number;
  /** Median rows per wall-clock second. */
  wall: number;
}

function rowsPerSecond(step: (i: number) => void): Rate {
  const rates: number[] = [];
  const walls: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(ROUND_SECONDS * 1e9));
    let now = t0;
    while (now < deadline) {
      for (let i = 0; i < 10_000; i++) step(n + i);
      n += 10_000;
      now = process.hrtime.bigint();
    }
    const cpu = process.cpuUsage(cpu0);
    if (r === 0) continue; // warm-up round
    rates.push(n / ((cpu.user + cpu.system) / 1e6));
    walls.push(n / (Number(now - t0) / 1e9));
  }
  rates.sort((a, b) => a - b);
  walls.sort((a, b) => a - b);
  return { best: rates[rates.length - 1], median: rates[Math.floor(rates.length / 2)], wall: walls[Math.floor(walls.length / 2)] };
}

function context(i: number, topic: string, payload: string | Buffer) {
  return createMessageContext({
    id: '0006155E9F0F1E3AF4420100035D0000',
    clientid: 'sensor-0001',
    username: 'u1',
    payload,
    peerhost: '10.0.0.7',
    topic,
    qos: 1,
    flags: { retain: false, dup: false },
    pub_props: {},
    publish_received_at: 1700000000000 + i,
    timestamp: 1700000000000 + i,
    node: 'rulemq@127.0.0.1',
  });
}

function evalStep(rule: CompiledRule, topic: string, payload: string | Buffer): (i: number) => void {
  return (i) => {
    const out = rule.evaluate(context(i, topic, payload));
    if (out !== null) sink++;
  };
}

function fmt(r: Rate): string {
  return `${(r.best / 1e6).toFixed(3)} M rows/CPU-s best, ${(r.median / 1e6).toFixed(3)} median (wall ${(r.wall / 1e6).toFixed(3)} M rows/s)`;
}

function fiftyLineRule(): string {
  const lines = ['SELECT'];
  for (let i = 0; i < 45; i++) {
    lines.push(
      `  ${i % 3 === 0 ? `upper(payload.f${i}.name)` : i % 3 === 1 ? `payload.list[${(i % 5) + 1}] * 2` : `coalesce(payload.x${i}, 'd')`} AS out_${i},`,
    );
  }
  lines.push('  clientid AS cid', 'FROM "bench/#", "$events/client_connected"', "WHERE payload.a > 1 AND (clientid = 'x' OR topic =~ 'bench/+')");
  lines.push("  AND payload.kind IN ('a', 'b', 'c')");
  return lines.join('\n');
}

export interface RuleEvalResult {
  roundSeconds: number;
  /** Fresh context + JSON.parse of the payload, no rule. */
  baseline: Rate;
  seed: Rate;
  seedBuffer: Rate;
  rich: Rate;
  compileMs: number;
  compileLines: number;
}

/** Runs every case in this process (single core). */
export function runRuleEval(roundSeconds = 0.6, log: (line: string) => void = () => undefined): RuleEvalResult {
  ROUND_SECONDS = roundSeconds;
  const seed = compileRule(SEED_SQL);
  const rich = compileRule(RICH_SQL);
  log(`seed output: ${JSON.stringify(seed.evaluate(context(0, 'temp_hum/emqx', SEED_PAYLOAD)))}`);
  log(`rich output: ${JSON.stringify(rich.evaluate(context(0, 'sensors/1', RICH_PAYLOAD)))}`);

  const baseline = rowsPerSecond((i) => {
    const ctx = context(i, 'temp_hum/emqx', SEED_PAYLOAD);
    sink += (JSON.parse(ctx.payload as string) as { seq: number }).seq;
  });
  log(`baseline (context + JSON.parse only):  ${fmt(baseline)}`);
  const a = rowsPerSecond(evalStep(seed, 'temp_hum/emqx', SEED_PAYLOAD));
  log(`(a) seed rule:                          ${fmt(a)}  (${((a.best / baseline.best) * 100).toFixed(0)}% of baseline)`);
  const seedBuf = Buffer.from(SEED_PAYLOAD);
  const a2 = rowsPerSecond(evalStep(seed, 'temp_hum/emqx', seedBuf));
  log(`(a') seed rule, Buffer payload:         ${fmt(a2)}`);
  const b = rowsPerSecond(evalStep(rich, 'sensors/1', RICH_PAYLOAD));
  log(`(b) WHERE + 3 functions + nested paths: ${fmt(b)}`);

  const sql50 = fiftyLineRule();
  for (let i = 0; i < 20; i++) compileRule(sql50);
  const n = 200;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) compileRule(sql50);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  const lines = sql50.split('\n').length;
  log(`compile of a ${lines}-line rule: ${ms.toFixed(3)} ms`);
  if (sink < 0) log(String(sink));
  return { roundSeconds, baseline, seed: a, seedBuffer: a2, rich: b, compileMs: ms, compileLines: lines };
}

function main(): void {
  console.log(
    `CPU: ${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores), Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const round = Number(process.argv[2] ?? '0.6');
  console.log(`payloads: seed ${SEED_PAYLOAD.length} bytes, rich ${RICH_PAYLOAD.length} bytes; ${ROUNDS} rounds of ${round}s`);
  runRuleEval(round, (l) => console.log(l));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
