/**
 * Memory per idle connection, same run: bare Aedes, this build's rulemq and (optionally) another
 * build's, each with C idle raw-socket clients (fan-in's idle phase only, no publishing). Alternates
 * the order per round so a drift of the machine does not favour one broker.
 *
 *   node dist/benchmarks/fanin-memory.js
 *   BENCH_CLIENTS [10000]  BENCH_ROUNDS [1]  BENCH_IDLE [3] (seconds)
 *   BENCH_RULEMQ_BEFORE=dir   another build's dist/ (e.g. a copy taken before a change), run as "rulemq-before"
 */
import { faninClientBudget, runFanin, type FaninResult } from './fanin.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const CLIENTS = env('BENCH_CLIENTS', 10_000);
const ROUNDS = env('BENCH_ROUNDS', 1);
const IDLE = env('BENCH_IDLE', 3);
const BEFORE = process.env.BENCH_RULEMQ_BEFORE;

type Case = { name: string; kind: 'rulemq' | 'aedes'; dist?: string };
const cases: Case[] = [
  { name: 'aedes', kind: 'aedes' },
  ...(BEFORE ? [{ name: 'rulemq-before', kind: 'rulemq' as const, dist: BEFORE }] : []),
  { name: 'rulemq', kind: 'rulemq' },
];

const budget = faninClientBudget(CLIENTS);
if (budget.note) console.log(budget.note);
const results: Record<string, FaninResult[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? cases : [...cases].reverse();
  for (const c of order) {
    const r = await runFanin(c.kind, { clients: budget.clients, idleSec: IDLE, activeSec: 0, qos: 1, ...(c.dist ? { rulemqDist: c.dist } : {}) });
    (results[c.name] ??= []).push(r);
    console.log(
      `round ${round + 1} ${c.name}: ${r.clients} clients (${r.failed} failed); RSS ${r.rssBaseMB} → ${r.rssIdleMB} MB, ${r.kbPerConnection} KB/conn; heap ${r.heapKbPerConnection} KB/conn`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const aedesRss = median(results.aedes.map((r) => r.rssIdleMB));
console.log('\nmedians:');
for (const c of cases) {
  const rs = results[c.name];
  const rss = median(rs.map((r) => r.rssIdleMB));
  console.log(
    `  ${c.name.padEnd(14)} RSS idle ${rss} MB (base ${median(rs.map((r) => r.rssBaseMB))}), ${median(rs.map((r) => r.kbPerConnection))} KB/conn RSS, ${median(rs.map((r) => r.heapKbPerConnection))} KB/conn heap, ${(rss / aedesRss).toFixed(2)}× bare Aedes`,
  );
}
