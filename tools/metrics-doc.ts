/**
 * Generates docs/metrics.md from the live Prometheus registry, so the reference can never list a
 * metric that does not exist or miss one that does. Regenerate after adding a metric:
 *
 *   npx tsc -p tsconfig.json && node dist/tools/metrics-doc.js --write docs/metrics.md
 *
 * tests/docs/metrics-doc.test.ts fails while docs/metrics.md differs from what this renders.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import client, { type Registry } from 'prom-client';
import { loadConfig } from '../broker/config/load.js';
import { createLogger } from '../broker/logger.js';
import { startRulemq } from '../broker/index.js';
import { loadPlugins } from '../broker/plugins.js';
import { newClusterCounters, registerClusterMetrics } from '../broker/cluster/metrics.js';
import type { ClusterConnection, RedisRole } from '../broker/cluster/connection.js';

/** The command that rewrites docs/metrics.md (printed in the file's first line). */
export const REGENERATE_COMMAND = 'npx tsc -p tsconfig.json && node dist/tools/metrics-doc.js --write docs/metrics.md';

/** What prom-client keeps on each metric object (not all of it is in its typings). */
interface MetricShape {
  name: string;
  help: string;
  type: string;
  labelNames?: readonly string[];
  upperBounds?: readonly number[];
  percentiles?: readonly number[];
}

interface Section {
  title: string;
  intro: string;
  match: (name: string) => boolean;
}

// Known areas first; any other family lands in a section named after its second name token, so a
// metric added by a new plugin (say rulemq_cluster_*) is documented without touching this file.
const SECTIONS: readonly Section[] = [
  {
    title: 'Broker',
    intro:
      'MQTT connections, messages and bytes. Counted as plain integers on the hot path and read at scrape time. ' +
      '`rulemq_node_info` maps the scraped instance to the node name (`nodeName`) and Aedes broker id.',
    match: (n) => /^rulemq_(connections|messages|received_bytes|sent_bytes|subscriptions|retained|node_info)/.test(n),
  },
  {
    title: 'Security and limits',
    intro: 'Authentication and authorization outcomes and the limits that refused or delayed something (see [security.md](security.md)).',
    match: (n) => /^rulemq_(auth|authorization|limit)_/.test(n),
  },
  {
    title: 'Rules',
    intro: "One series per rule (label `rule`), with EMQX's rule counters: matched, passed, failed.exception, failed.no_result, actions.*.",
    match: (n) => /^rulemq_rules?_/.test(n) || n === 'rulemq_rules',
  },
  {
    title: 'Actions',
    intro:
      "One series per action (label `action`), with EMQX's action counters. At rest, `matched = success + failed + dropped + queuing + inflight + late_reply`. " +
      '`rulemq_action_dropped_total` has a series only for reasons that happened.',
    match: (n) => n.startsWith('rulemq_action_'),
  },
  {
    title: 'Shared subscriptions',
    intro:
      'Groups of `$share/<group>/<filter>` and `$queue/<filter>` subscriptions (see the README). A message counts as delivered on the node ' +
      'that wrote it to the member; in a cluster, the node it was published on counts it as forwarded when the member is elsewhere.',
    match: (n) => n.startsWith('rulemq_shared_'),
  },
  {
    title: 'Cluster',
    intro: 'Registered only when `redisUrl` is set: nodes sharing Redis (see [scaling.md](scaling.md)). Each node serves its own.',
    match: (n) => n.startsWith('rulemq_cluster_'),
  },
  {
    title: 'Process',
    intro: "prom-client's default process metrics under their standard names, so stock Node.js dashboards and alerts work unchanged.",
    match: (n) => n.startsWith('process_'),
  },
  {
    title: 'Node.js runtime',
    intro: "prom-client's default Node.js metrics (event loop lag, heap, handles, GC) under their standard names.",
    match: (n) => n.startsWith('nodejs_'),
  },
];

function sectionOf(name: string): { title: string; intro: string } {
  const known = SECTIONS.find((s) => s.match(name));
  if (known) return known;
  const area = name.replace(/^rulemq_/, '').split('_')[0] || 'other';
  return { title: `Other: ${area}`, intro: '' };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** Series a family exposes: histograms and summaries have suffixed series. */
function seriesOf(m: MetricShape): string {
  const labels = (extra: string[] = []) => {
    const all = [...(m.labelNames ?? []), ...extra];
    return all.length > 0 ? `{${all.join(', ')}}` : '';
  };
  if (m.type === 'histogram') {
    return [`\`${m.name}_bucket${labels(['le'])}\``, `\`${m.name}_sum${labels()}\``, `\`${m.name}_count${labels()}\``].join('<br>');
  }
  if (m.type === 'summary') {
    return [`\`${m.name}${labels(['quantile'])}\``, `\`${m.name}_sum${labels()}\``, `\`${m.name}_count${labels()}\``].join('<br>');
  }
  return `\`${m.name}${labels()}\``;
}

function notesOf(m: MetricShape): string {
  if (m.type === 'histogram' && m.upperBounds) return `Buckets: ${m.upperBounds.join(', ')}.`;
  if (m.type === 'summary' && m.percentiles) return `Quantiles: ${m.percentiles.join(', ')}.`;
  return '';
}

/**
 * Renders the metrics reference (Markdown) for every family registered in `registry`: name,
 * type, labels, help, histogram buckets. Label names only, never label values, so the output
 * does not depend on what the broker has seen. Deterministic: families sorted by name.
 */
export function renderMetricsDoc(registry: Registry): string {
  const metrics = (registry.getMetricsAsArray() as unknown as MetricShape[]).slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const groups = new Map<string, { intro: string; metrics: MetricShape[] }>();
  const order = [...SECTIONS.map((s) => s.title)];
  for (const m of metrics) {
    const s = sectionOf(m.name);
    if (!groups.has(s.title)) groups.set(s.title, { intro: s.intro, metrics: [] });
    groups.get(s.title)!.metrics.push(m);
    if (!order.includes(s.title)) order.push(s.title);
  }
  const lines: string[] = [];
  lines.push(`<!-- Generated from the live metrics registry by tools/metrics-doc.ts; do not edit by hand. Regenerate: ${REGENERATE_COMMAND} -->`);
  lines.push('# Metrics reference');
  lines.push('');
  lines.push(
    'Every metric rulemq serves on `GET /metrics` (Prometheus text format, on the HTTP listener: `127.0.0.1:18083` by default, ' +
      '`0.0.0.0:18083` in the container image). Labels are rule names, action names and small fixed sets (reason, qos, status) — ' +
      'never client ids or topics, so the number of series is bounded by the rules file (and the cluster size).',
  );
  lines.push('');
  lines.push(
    `This file is generated from the registry of a broker started with the default configuration; after adding a metric, run \`${REGENERATE_COMMAND}\`. ` +
      'A test fails while this file is stale. The Grafana dashboard in [compose/grafana/rulemq.json](../compose/grafana/rulemq.json) is built on these names.',
  );
  lines.push('');
  lines.push(`${metrics.length} metric families.`);
  lines.push('');
  for (const title of order) {
    const g = groups.get(title);
    if (!g) continue;
    lines.push(`## ${title}`);
    lines.push('');
    if (g.intro) {
      lines.push(g.intro);
      lines.push('');
    }
    lines.push('| series | type | help |');
    lines.push('| --- | --- | --- |');
    for (const m of g.metrics) {
      const notes = notesOf(m);
      lines.push(`| ${seriesOf(m)} | ${m.type} | ${cell(m.help)}${notes ? ` ${notes}` : ''} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Families that plugins register only when configured (so a default broker does not have them),
 * registered on a scratch registry. Their collect callbacks, which read live state, never run:
 * rendering reads names, types, labels and help only. Add a plugin's registration here.
 */
function optionalFamilies(): Registry {
  const r = new client.Registry();
  registerClusterMetrics(r, {} as Record<RedisRole, ClusterConnection>, newClusterCounters());
  return r;
}

/** The live registry plus the optional families it does not already have. */
function withOptionalFamilies(live: Registry): Registry {
  const optional = optionalFamilies();
  for (const m of optional.getMetricsAsArray()) if (live.getSingleMetric(m.name)) optional.removeSingleMetric(m.name);
  return client.Registry.merge([live, optional]);
}

/**
 * Starts a broker on 127.0.0.1 with OS-chosen ports and the plugins `rulemq start` loads (no rules
 * file), renders its registry (plus the families of optional plugins) and stops it. This is what
 * docs/metrics.md is generated from.
 */
export async function generateMetricsDoc(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'rulemq-metrics-doc-')); // no ./rules.sql there
  const config = loadConfig({
    flags: { host: '127.0.0.1', mqttPort: 0, tlsPort: 0, wsPort: 0, wssPort: 0, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' },
    env: {},
    cwd,
  });
  const logger = createLogger(config.logLevel, new Writable({ write: (_c, _e, cb) => cb() }));
  const running = await startRulemq({ config, logger, plugins: await loadPlugins(config, logger, cwd) });
  try {
    return renderMetricsDoc(withOptionalFamilies(running.registry));
  } finally {
    await running.close(1000);
    rmSync(cwd, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--write');
  generateMetricsDoc().then(
    (doc) => {
      if (at >= 0 && args[at + 1]) {
        writeFileSync(args[at + 1], doc);
        process.exit(0);
      }
      process.stdout.write(doc, () => process.exit(0));
    },
    (err: unknown) => {
      process.stderr.write(`metrics-doc: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
