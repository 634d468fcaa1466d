/**
 * The one table `npm run bench` prints (Markdown, so it pastes into benchmarks/README.md as is),
 * and the performance targets checked against it.
 */
import type { AckModeResult } from './ack-mode.js';
import type { FaninResult } from './fanin.js';
import type { IngestResult } from './ingest.js';
import type { LatencySummary } from './lib/histogram.js';
import type { RuleEvalResult } from './rule-eval.js';
import type { SinkCaseResult } from './sink.js';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  date: string;
  aedes: string;
  mosquitto: string | null;
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  openFilesLimit: number;
}

export interface IngestSection {
  /** QoS 1 closed-loop pairs, in run order. */
  pairs: { aedes: IngestResult; rulemq: IngestResult; ratio: number }[];
  qos0: { aedes?: IngestResult; rulemq?: IngestResult };
  mosquitto: { qos1?: IngestResult; qos0?: IngestResult; note?: string };
  halfRate?: IngestResult;
}

export interface BenchResults {
  machine: Machine;
  settings: Record<string, unknown>;
  ingest?: IngestSection;
  ruleEval?: RuleEvalResult;
  sink?: SinkCaseResult[];
  fanin?: { aedes?: FaninResult; rulemq?: FaninResult; note?: string };
  ackMode?: AckModeResult;
  notes: string[];
  durationSec: number;
}

type Row = [string, string, string, string, string, string, string, string];

const k = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n >= 1000 ? `${(n / 1000).toFixed(2)}k` : n.toFixed(0));
const lat = (s: LatencySummary | null | undefined) => (s ? `${s.p50} / ${s.p99}` : '–');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The median run of a list by msg/s (the one the table shows). */
function medianRun(runs: IngestResult[]): IngestResult {
  const s = [...runs].sort((a, b) => a.load.msgPerSec - b.load.msgPerSec);
  return s[Math.floor((s.length - 1) / 2)];
}

function latencyCell(r: IngestResult): string {
  const parts = [];
  if (r.load.ack) parts.push(`ack ${lat(r.load.ack)}`);
  parts.push(`sub ${lat(r.load.e2e)}`);
  if (r.sink?.stored) parts.push(`stored ${lat(r.sink.stored)}`);
  return parts.join('; ');
}

function checkCell(r: IngestResult): string {
  const l = r.load;
  const parts = [`lost ${l.lost}, dup ${l.duplicates}`];
  if (r.sink) parts.push(`records ${r.sink.recordsTotal}/${l.sent}`);
  if (!l.drained) parts.push('NOT drained');
  parts.push(`gen ${r.generatorCpu}, others ${r.othersCpu} cores`);
  return parts.join('; ');
}

function cpuCell(r: IngestResult): string {
  return `${r.broker.cpu} (${r.broker.cpuMicrosPerMsg} µs/msg)`;
}

function ingestRow(label: string, r: IngestResult, vs: string): Row {
  const tput = r.sink ? `${k(r.load.msgPerSec)} msg/s (${k(r.sink.recordsPerSec)} rec/s)` : `${k(r.load.msgPerSec)} msg/s`;
  return ['1', label, tput, vs, latencyCell(r), cpuCell(r), `${r.broker.rssMB} MB`, checkCell(r)];
}

export function headlineRatio(ingest: IngestSection): { median: number; min: number; max: number; all: number[]; cpu: number[] } {
  const all = ingest.pairs.map((p) => p.ratio);
  // The same ratio from CPU time per message (bare Aedes µs/msg ÷ rulemq µs/msg): less sensitive to other load.
  const cpu = ingest.pairs.map((p) => p.aedes.broker.cpuMicrosPerMsg / p.rulemq.broker.cpuMicrosPerMsg);
  return { median: median(all), min: Math.min(...all), max: Math.max(...all), all, cpu };
}

export function buildTable(r: BenchResults): string {
  const rows: Row[] = [];
  const ing = r.ingest;
  if (ing && ing.pairs.length > 0) {
    const h = headlineRatio(ing);
    const aed = medianRun(ing.pairs.map((p) => p.aedes));
    const rmq = medianRun(ing.pairs.map((p) => p.rulemq));
    const n = ing.pairs.length;
    const spread = n > 1 ? ` (runs ${h.all.map((x) => x.toFixed(2)).join(', ')})` : '';
    rows.push(ingestRow(`ingest QoS 1: rulemq, seed rule + async HStreamDB (median of ${n})`, rmq, `**${h.median.toFixed(2)}×**${spread}`));
    rows.push(ingestRow(`ingest QoS 1: bare Aedes (median of ${n})`, aed, '1.00×'));
    if (ing.mosquitto.qos1)
      rows.push(ingestRow('ingest QoS 1: mosquitto', ing.mosquitto.qos1, `${(ing.mosquitto.qos1.load.msgPerSec / aed.load.msgPerSec).toFixed(2)}×`));
    if (ing.qos0.rulemq && ing.qos0.aedes) {
      const ratio0 = ing.qos0.rulemq.load.msgPerSec / ing.qos0.aedes.load.msgPerSec;
      rows.push(ingestRow('ingest QoS 0: rulemq, seed rule + async HStreamDB', ing.qos0.rulemq, `${ratio0.toFixed(2)}×`));
      rows.push(ingestRow('ingest QoS 0: bare Aedes', ing.qos0.aedes, '1.00×'));
    }
    if (ing.mosquitto.qos0 && ing.qos0.aedes)
      rows.push(ingestRow('ingest QoS 0: mosquitto', ing.mosquitto.qos0, `${(ing.mosquitto.qos0.load.msgPerSec / ing.qos0.aedes.load.msgPerSec).toFixed(2)}×`));
    if (ing.mosquitto.note) rows.push(['2', 'mosquitto', ing.mosquitto.note, '', '', '', '', '']);
    if (ing.halfRate) rows.push(ingestRow(`ingest QoS 1: rulemq at half its saturation rate (${k(ing.halfRate.case.rate)} msg/s offered)`, ing.halfRate, ''));
  }
  const re = r.ruleEval;
  if (re) {
    const m = (x: { best: number; median: number }) => `${(x.best / 1e6).toFixed(2)} M rows/CPU-s (median ${(x.median / 1e6).toFixed(2)})`;
    rows.push(['3', 'rule eval: context + JSON.parse only (baseline)', m(re.baseline), '', '', '1 core', '', '']);
    rows.push(['3', 'rule eval: seed rule, string payload', m(re.seed), '', '', '1 core', '', '']);
    rows.push(['3', 'rule eval: seed rule, Buffer payload (as from Aedes)', m(re.seedBuffer), '', '', '1 core', '', '']);
    rows.push(['3', 'rule eval: WHERE + 3 functions + nested payload', m(re.rich), '', '', '1 core', '', '']);
  }
  for (const s of r.sink ?? []) {
    rows.push([
      '4',
      `sink: batch ${s.batchSize}, ${s.compression}`,
      `${k(s.rowsPerCpuSec)} rec/CPU-s (${k(s.wallRowsPerSec)} rec/s wall; encode only ${k(s.encodeOnlyRowsPerSec)})`,
      '',
      '',
      '1 core',
      '',
      `ok ${s.success}, dropped ${s.dropped}, stored ${s.stored}; server ${s.serverCpu}`,
    ]);
  }
  const f = r.fanin;
  if (f) {
    for (const x of [f.rulemq, f.aedes]) {
      if (!x) continue;
      const vs = x.broker === 'rulemq' && f.aedes ? `RSS ${(x.rssIdleMB / f.aedes.rssIdleMB).toFixed(2)}×` : x.broker === 'aedes' ? '1.00×' : '';
      const name = x.broker === 'rulemq' ? 'rulemq (seed rule + HStreamDB)' : 'bare Aedes';
      rows.push([
        '5',
        `fan-in ${x.clients} idle clients: ${name}`,
        `connected in ${x.connectSec} s`,
        vs,
        `loop lag p99 ${x.idleEldP99Ms}`,
        `${x.idleCpu}`,
        `${x.rssIdleMB} MB (${x.kbPerConnection} KB/conn)`,
        x.failed ? `${x.failed} failed to connect` : '',
      ]);
      const a = x.active;
      const recs = x.records !== undefined ? `; records ${x.records}/${a.sent}` : '';
      rows.push([
        '5',
        `fan-in ${x.clients} clients × ${Math.max(1, Math.round(a.msgPerSec / x.clients))} msg/s QoS 1: ${name}`,
        `${k(a.msgPerSec)} msg/s`,
        '',
        `ack ${lat(a.ack)}${a.warmupSec ? ` after ${a.warmupSec} s (p99 of the first 3 s: ${(a.ackP99BySecond ?? []).slice(0, 3).join(' / ')})` : ''}; loop lag p99 ${x.activeEldP99Ms}`,
        `${x.activeCpu}`,
        `${x.activeRssMB} MB`,
        `acked ${a.acked}/${a.sent}${recs}${a.closed ? `; ${a.closed} closed` : ''}; gen ${x.generatorCpu} (tick late ≤ ${a.tickLateMaxMs} ms), others ${x.othersCpu} cores`,
      ]);
    }
    if (f.note) rows.push(['5', 'fan-in', f.note, '', '', '', '', '']);
  }
  const am = r.ackMode;
  if (am) {
    if (!am.probe.available) {
      rows.push(['6', "ack_mode = 'sink' vs 'broker'", 'n/a (ack_mode sink not available)', '', '', '', '', am.probe.reason]);
    } else if (am.broker && am.sink) {
      const ratio = am.sink.load.msgPerSec / am.broker.load.msgPerSec;
      const per = (x: IngestResult) => `${k(Math.min(...x.load.perPublisherMsgPerSec))}–${k(Math.max(...x.load.perPublisherMsgPerSec))} per client`;
      rows.push([
        '6',
        `ack_mode = 'broker', ${am.broker.case.publishers} publishers QoS 1`,
        `${k(am.broker.load.msgPerSec)} msg/s (${per(am.broker)})`,
        '1.00×',
        latencyCell(am.broker),
        cpuCell(am.broker),
        `${am.broker.broker.rssMB} MB`,
        checkCell(am.broker),
      ]);
      rows.push([
        '6',
        `ack_mode = 'sink', ${am.sink.case.publishers} publishers QoS 1`,
        `${k(am.sink.load.msgPerSec)} msg/s (${per(am.sink)})`,
        `${ratio.toFixed(2)}×`,
        latencyCell(am.sink),
        cpuCell(am.sink),
        `${am.sink.broker.rssMB} MB`,
        checkCell(am.sink),
      ]);
      for (const [mode, x] of [
        ['broker', am.brokerPaced],
        ['sink', am.sinkPaced],
      ] as const) {
        if (!x) continue;
        rows.push([
          '6',
          `ack_mode = '${mode}', paced at ${k(x.case.rate)} msg/s`,
          `${k(x.load.msgPerSec)} msg/s`,
          '',
          latencyCell(x),
          cpuCell(x),
          `${x.broker.rssMB} MB`,
          checkCell(x),
        ]);
      }
    }
  }
  const head: Row = ['#', 'case', 'throughput', 'vs baseline', 'latency p50 / p99 (ms)', 'broker CPU (cores)', 'broker RSS', 'checks'];
  const lines = [head, ['---', '---', '---:', '---:', '---', '---:', '---:', '---'] as Row, ...rows].map((c) => `| ${c.join(' | ')} |`);
  return lines.join('\n');
}

export function buildHeader(r: BenchResults): string {
  const m = r.machine;
  return [
    `rulemq benchmarks — ${m.date}`,
    `${m.cpu} × ${m.cores} cores, Node ${m.node}, Aedes ${m.aedes}, mosquitto ${m.mosquitto ?? 'not installed'}; ulimit -n ${m.openFilesLimit}`,
    `load average before ${m.loadAvgBefore.map((x) => x.toFixed(2)).join(' ')}, after ${m.loadAvgAfter.map((x) => x.toFixed(2)).join(' ')}; run took ${Math.round(r.durationSec)} s`,
    `settings: ${Object.entries(r.settings)
      .map(([a, b]) => `${a}=${b}`)
      .join(' ')}`,
  ].join('\n');
}

/** Each performance target with the measured value and whether it is met. */
export function buildTargets(r: BenchResults): string[] {
  const out: string[] = [];
  const mark = (ok: boolean | null) => (ok === null ? '?' : ok ? 'met' : 'NOT met');
  if (r.ingest && r.ingest.pairs.length > 0) {
    const h = headlineRatio(r.ingest);
    out.push(
      `ingest QoS 1 with rules + sink ≥ 0.9× bare Aedes: ${h.median.toFixed(2)}× (min ${h.min.toFixed(2)}, max ${h.max.toFixed(2)} over ${h.all.length} same-run pairs; ` +
        `by broker CPU per message ${median(h.cpu).toFixed(2)}×) — ${mark(h.median >= 0.9)}`,
    );
  }
  if (r.ruleEval) {
    const s = r.ruleEval.seedBuffer.best;
    out.push(
      `seed rule eval ≥ 1.2 M rows/s/core: ${(s / 1e6).toFixed(2)} M (Buffer payload as in the broker; ${(r.ruleEval.seed.best / 1e6).toFixed(2)} M with a string payload) — ${mark(s >= 1.2e6)}`,
    );
  }
  if (r.sink && r.sink.length > 0) {
    const b100 = r.sink.find((s) => s.batchSize === 100 && s.compression === 'none') ?? r.sink[0];
    const best = r.sink.reduce((a, b) => (b.rowsPerCpuSec > a.rowsPerCpuSec ? b : a));
    out.push(
      `sink ≥ 40k records/s/core: ${k(b100.rowsPerCpuSec)} at batch ${b100.batchSize}/${b100.compression} (best ${k(best.rowsPerCpuSec)} at ${best.batchSize}/${best.compression}) — ${mark(b100.rowsPerCpuSec >= 40_000)}`,
    );
  }
  const hr = r.ingest?.halfRate;
  if (hr) {
    const p99 = hr.sink?.stored?.p99 ?? null;
    out.push(
      `p99 < 20 ms at half of the saturation rate (publish → stored in HStreamDB): ${p99 ?? '–'} ms at ${k(hr.load.msgPerSec)} msg/s (PUBACK p99 ${hr.load.ack?.p99 ?? '–'} ms) — ${mark(p99 === null ? null : p99 < 20)}`,
    );
  }
  if (r.fanin?.rulemq && r.fanin.aedes) {
    const ratio = r.fanin.rulemq.rssIdleMB / r.fanin.aedes.rssIdleMB;
    out.push(
      `RSS at ${r.fanin.rulemq.clients} idle clients ≤ 1.2× bare Aedes: ${ratio.toFixed(2)}× (${r.fanin.rulemq.rssIdleMB} vs ${r.fanin.aedes.rssIdleMB} MB) — ${mark(ratio <= 1.2)}`,
    );
  }
  return out;
}
