/**
 * A broker under test, alone in its process: `rulemq` (startRulemq + the rules plugin, as
 * `rulemq start` wires them, loading the given rules.sql) or bare `aedes` (the same Aedes version,
 * no hooks, a plain TCP server). Answers over IPC: event-loop delay (perf_hooks, measured inside
 * this process), memory, GC, the HStreamDB action's counters, and stop.
 *
 * Forked by the benchmark runner: node dist/benchmarks/broker-child.js '{"kind":"rulemq","rulesText":"..."}'
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import { loadConfig } from '../broker/config/load.js';
import { createLogger } from '../broker/logger.js';
import { startRulemq } from '../broker/index.js';
import { loadPlugins } from '../broker/plugins.js';
import { coalesceWrites } from '../broker/listeners/write-coalescing.js';
import type { RulesPlugin } from '../rules/plugin.js';
import { childArg, emit, serveIpc } from './lib/procs.js';

export interface BrokerChildArg {
  kind: 'rulemq' | 'aedes';
  /** rules.sql text (rulemq only). */
  rulesText?: string;
  /** Extra rulemq config flags. */
  flags?: Record<string, unknown>;
  /**
   * Bare Aedes only: leave Nagle's algorithm on (Node's default for `net.createServer`). By default the bare
   * Aedes server sets TCP_NODELAY, as rulemq's listeners do and as mosquitto is configured here, so the ratio
   * compares the brokers' work rather than their socket options.
   */
  nagle?: boolean;
  /**
   * Bare Aedes only: coalesce each connection's writes per event-loop turn with rulemq's own
   * `coalesceWrites`, to tell that saving apart from the rest of rulemq in a comparison.
   */
  coalesce?: boolean;
}

/** Event-loop delay sampling period; the histogram's values include it, so it is subtracted when reported. */
const ELD_RESOLUTION_MS = 10;

async function main(): Promise<void> {
  const arg = childArg<BrokerChildArg>();
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();

  let port: number;
  let close: () => Promise<void>;
  let plugin: RulesPlugin | undefined;
  if (arg.kind === 'aedes') {
    const broker = await Aedes.createBroker();
    const server = net.createServer({ noDelay: !arg.nagle }, (socket) => {
      if (arg.coalesce) coalesceWrites(socket);
      broker.handle(socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
    close = async () => {
      server.close();
      await new Promise<void>((r) => broker.close(() => r()));
    };
  } else {
    // A fresh directory as cwd, so a rules.sql lying around is never picked up by default.
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-bench-'));
    const flags: Record<string, unknown> = {
      host: '127.0.0.1',
      mqttPort: 0,
      tlsPort: 'off',
      wsPort: 'off',
      wssPort: 'off',
      httpPort: 0,
      logLevel: 'warn',
      ...arg.flags,
    };
    if (arg.rulesText !== undefined) {
      flags.rules = join(dir, 'rules.sql');
      writeFileSync(flags.rules as string, arg.rulesText);
    }
    const config = loadConfig({ flags, env: {}, cwd: dir });
    const logger = createLogger(config.logLevel);
    const plugins = await loadPlugins(config, logger);
    plugin = plugins.find((p) => p.name === 'rules') as RulesPlugin | undefined;
    const running = await startRulemq({ config, logger, plugins });
    port = running.ports['mqtt-tcp'];
    close = () => running.close(2000);
  }

  const allocations = await sampleAllocations(process.env.BENCH_ALLOC_DIR && join(process.env.BENCH_ALLOC_DIR, `${arg.kind}-${process.pid}.heapprofile`));
  const lagMs = (ns: number) => Math.max(0, Math.round((ns / 1e6 - ELD_RESOLUTION_MS) * 100) / 100);
  serveIpc(
    {
      'eld-reset': () => {
        eld.reset();
      },
      stats: () => {
        const m = process.memoryUsage();
        return {
          eld: { p50: lagMs(eld.percentile(50)), p99: lagMs(eld.percentile(99)), max: lagMs(eld.max), n: eld.count },
          rss: m.rss,
          heapUsed: m.heapUsed,
        };
      },
      gc: () => {
        const g = (globalThis as { gc?: () => void }).gc;
        if (g) {
          g();
          g();
        }
        return { gc: Boolean(g) };
      },
      'action-stats': (m) => {
        const live = plugin?.current.actions.get(String(m.action));
        return { stats: live ? live.instance.stats() : null };
      },
    },
    async () => {
      await allocations?.();
      await close();
    },
  );
  emit('ready', { port, pid: process.pid });
}

/**
 * With a file name (BENCH_ALLOC_DIR set): samples every allocation of this process from now on (objects scavenged young
 * included, which a heap snapshot never shows) and writes a .heapprofile there when the broker
 * stops. `profile.js --alloc` reads it.
 */
async function sampleAllocations(file: string | undefined): Promise<(() => Promise<void>) | null> {
  if (!file) return null;
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  } as never);
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

await main();
