import nodeCluster from 'node:cluster';
import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { SETTINGS, flagName, type RulemqConfig } from '../config/schema.js';
import { createLogger, type PinoLogger } from '../logger.js';
import { startRulemq, type BrokerPlugin } from '../index.js';
import { BrokerError } from '../errors.js';
import { loadPlugins } from '../plugins.js';
import { createCluster, ClusterError, type Cluster } from '../cluster/index.js';
import { superviseWorkers } from '../workers/supervisor.js';
import { WorkerLink } from '../workers/worker-link.js';
import { WORKER_SLOT_ENV } from '../workers/protocol.js';

/** parseArgs options for every config key plus --config. */
export function configFlagOptions(): Record<string, { type: 'string' }> {
  const opts: Record<string, { type: 'string' }> = { config: { type: 'string' } };
  for (const s of SETTINGS) opts[flagName(s.key)] = { type: 'string' };
  return opts;
}

/** Turns `--mqtt-port 0` into `{ mqttPort: '0' }`. */
export function flagsToConfig(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const v = values[flagName(s.key)];
    if (v !== undefined) out[s.key] = v;
  }
  return out;
}

/** `rulemq start`: runs until SIGTERM/SIGINT, then drains and exits 0. */
export async function runStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: configFlagOptions(), strict: true, allowPositionals: false });
  const config = loadConfig({
    flags: flagsToConfig(values),
    env: process.env,
    configFile: (values.config as string | undefined) ?? process.env.RULEMQ_CONFIG ?? null,
  });
  const baseLogger = createLogger(config.logLevel, undefined, config.logFormat);
  if (config.workers > 1 && nodeCluster.isPrimary) {
    // The supervisor: forks the workers, which run this same command and take the branch below. A bad
    // rules file stops start-up here once, rather than in every worker.
    await loadPluginsFlushingLogs(config, baseLogger);
    let addressFile: string | null = null;
    const code = await superviseWorkers(config, baseLogger, (ports, pids) => {
      addressFile = writeHttpAddress(config, ports.http);
      baseLogger.info({ node: config.nodeName, workers: config.workers, pids, ports }, 'rulemq ready');
    });
    if (addressFile) rmSync(addressFile, { force: true });
    baseLogger.info('stopped');
    baseLogger.flush();
    return code;
  }
  // Only a worker forked by the supervisor has a slot (a process manager's own cluster mode sets none).
  const slot = nodeCluster.isWorker ? Number(process.env[WORKER_SLOT_ENV]) : Number.NaN;
  const link = Number.isInteger(slot) && slot > 0 ? new WorkerLink(slot, config.workers) : null;
  const logger = link ? baseLogger.child({ worker: link.slot }) : baseLogger;
  const plugins = await loadPluginsFlushingLogs(config, logger);
  // With --redis-url: Redis-backed persistence and pub/sub, plus the plugin that reports Redis health.
  let cluster: Cluster | null;
  try {
    cluster = await createCluster(config, logger);
  } catch (err) {
    logger.flush();
    if (!(err instanceof ClusterError)) throw err;
    process.stderr.write(`rulemq: ${err.code}: ${err.message}\n`);
    return 2;
  }
  const running = await startRulemq({
    config,
    logger,
    plugins: cluster ? [...plugins, cluster.plugin] : plugins,
    aedes: cluster?.aedes,
    sharedRedis: cluster?.store,
    worker: link ?? undefined,
  });
  // A worker's supervisor writes the address file and logs readiness once every worker is up.
  const addressFile = link ? null : writeHttpAddress(config, running.ports.http);
  if (link) link.announceReady(running.ports);
  else logger.info({ node: config.nodeName, ports: running.ports }, 'rulemq ready');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A worker hears one stop from its supervisor and often the same from the terminal's process
        // group; a second signal to the supervisor is what kills the workers at once.
        if (link) return;
        logger.warn({ signal }, 'second signal: exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal, graceMs: config.shutdownGraceMs }, 'draining');
      if (addressFile) rmSync(addressFile, { force: true });
      running.close().then(
        () => {
          logger.info('stopped');
          logger.flush();
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err: String(err) }, 'error while stopping');
          logger.flush();
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    if (link) {
      // The supervisor asks every worker to drain; a worker that got the terminal's SIGINT already drains
      // (stop() ignores a repeat in a worker).
      link.onDrain(() => stop('drain'));
      // Without the supervisor no connection reaches this worker any more.
      process.on('disconnect', () => stop('supervisor gone'));
    }
  });
}

/** loadPlugins (it checks the rules file); a start-up error flushes the log before it reaches the CLI. */
async function loadPluginsFlushingLogs(config: RulemqConfig, logger: PinoLogger): Promise<BrokerPlugin[]> {
  try {
    return await loadPlugins(config, logger);
  } catch (err) {
    logger.flush();
    throw err;
  }
}

/**
 * Writes the URL a local probe reaches the HTTP server at (httpAddressFile), after the listener is bound,
 * so a probe (the container HEALTHCHECK) follows the port whether it came from a flag, the environment,
 * the config file or the OS (port 0). Returns the file written, or null.
 */
function writeHttpAddress(config: RulemqConfig, port: number | undefined): string | null {
  if (!config.httpAddressFile || port === undefined) return null;
  // A wildcard bind is reachable on loopback; a specific address only on itself.
  const host = config.httpHost === '0.0.0.0' || config.httpHost === '::' || config.httpHost === '' ? '127.0.0.1' : config.httpHost;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  writeFileSync(config.httpAddressFile, `${url}\n`);
  return config.httpAddressFile;
}

export { BrokerError };
