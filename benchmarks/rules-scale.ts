/**
 * Publish cost with 1, 100 and 1000 rules loaded: the topic index must keep the cost per message
 * flat when rules on other topics are added. Drives RuleEngine.onPublish directly (no sockets), with
 * the seed rule matching and every other rule on its own topic; prints ns/message and the ratio.
 *
 *   node dist/benchmarks/rules-scale.js
 */
import os from 'node:os';
import type { AedesPublishPacket, Client } from 'aedes';
import { RuleEngine } from '../rules/engine.js';
import { planRules } from '../rules/load.js';
import { buildRuleSet, RuleSet } from '../rules/rule-set.js';
import { createSinkRegistry } from '../sinks/index.js';
import { emptyStats, type Action } from '../sinks/contract.js';

const SEED = `SELECT timestamp as up_timestamp, clientid as client_id, payload.temp as temp, payload.hum as hum FROM "temp_hum/emqx"`;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** An action that only counts rows, so the figure is the rule engine's own cost. */
class CountingAction implements Action {
  readonly type = 'count';
  rows = 0;
  constructor(readonly name: string) {}
  async start() {}
  send() {
    this.rows++;
  }
  stats() {
    return emptyStats();
  }
  status() {
    return 'connected' as const;
  }
  async close() {}
}

function engineWith(ruleCount: number): { engine: RuleEngine; sink: CountingAction } {
  let text = `CREATE RULE seed AS ${SEED} INTO console;\n`;
  for (let i = 1; i < ruleCount; i++)
    text += `CREATE RULE r${i} AS SELECT payload.temp as t FROM "site/${i}/+/temp", "other/${i}/#" WHERE payload.temp > 30 INTO console;\n`;
  const sinks = createSinkRegistry();
  const plan = planRules(text, { fileName: 'bench.sql', sinks });
  if (plan.diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(plan.diagnostics[0]));
  const { set } = buildRuleSet(plan, RuleSet.empty(), {
    publisher: { publish() {} },
    logger: silent,
    sinks,
    metricsFor: () => ({ observeAppendSeconds() {}, observeBatchSize() {} }),
  });
  const sink = new CountingAction('count');
  // Route the seed rule's output to the counting sink instead of the console.
  (set.rule('seed') as unknown as { actions: Action[] }).actions = [sink];
  const engine = new RuleEngine('bench@node');
  engine.swap(set);
  return { engine, sink };
}

function measure(ruleCount: number, messages: number): number {
  const { engine, sink } = engineWith(ruleCount);
  const client = { id: 'dev-1' } as unknown as Client;
  const payload = Buffer.from('{"temp": "27.5", "hum": "41.8", "battery": 88, "fw": "1.2.3", "site": "north"}');
  const packet = { cmd: 'publish', topic: 'temp_hum/emqx', payload, qos: 1, retain: false, dup: false, brokerCounter: 0 } as unknown as AedesPublishPacket;
  for (let i = 0; i < 50_000; i++) engine.onPublish(packet, client); // warm up
  // CPU time of this process, not wall time: other load on a shared machine then moves the figure much less.
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < messages; i++) engine.onPublish(packet, client);
  const cpu = process.cpuUsage(cpu0);
  const ns = ((cpu.user + cpu.system) * 1000) / messages;
  if (sink.rows !== messages + 50_000) throw new Error(`seed rule produced ${sink.rows} rows`);
  return ns;
}

const N = Number(process.env.BENCH_MESSAGES ?? 500_000);
console.log(`rules-scale: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
const base = measure(1, N);
console.log(`  rules loaded   CPU ns/message   msg/s (1 core)   vs 1 rule`);
for (const count of [1, 100, 1000]) {
  const ns = count === 1 ? base : measure(count, N);
  console.log(
    `  ${String(count).padStart(12)}  ${ns.toFixed(0).padStart(11)}  ${Math.round(1e9 / ns)
      .toLocaleString('en-US')
      .padStart(15)}   ${(ns / base).toFixed(2)}x`,
  );
}
