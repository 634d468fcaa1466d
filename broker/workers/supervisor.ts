import cluster, { type Worker } from 'node:cluster';
import client from 'prom-client';
import type { RulemqConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { WORKER_SLOT_ENV, isRulemqMessage, type ToSupervisor, type ToWorker } from './protocol.js';

/** How a worker that died is replaced: at once after a long life, with a growing pause after a short one. */
export function restartDelayMs(livedMs: number, previousDelayMs: number): number {
  if (livedMs >= 30_000) return 0;
  return Math.min(Math.max(1000, previousDelayMs * 2), 30_000);
}

interface Slot {
  readonly slot: number;
  worker: Worker | null;
  startedAt: number;
  delayMs: number;
}

export interface SupervisorResult {
  /** Exit code for `rulemq start`. */
  readonly code: number;
}

/**
 * `rulemq start --workers N`: the cluster primary. It serves no client itself; it forks N workers that
 * each run a whole node on the shared listeners (the cluster module hands every accepted connection to
 * one of them), answers /metrics scrapes for all of them, passes SIGHUP and sibling events on, replaces
 * a worker that dies, and on SIGTERM/SIGINT has every worker drain before it exits.
 *
 * `onReady` runs once every worker has bound its listeners, with the ports they share and the workers'
 * process ids by slot.
 */
export function superviseWorkers(config: RulemqConfig, logger: Logger, onReady: (ports: Record<string, number>, pids: number[]) => void): Promise<number> {
  const count = config.workers;
  const registry = new client.Registry();
  const aggregator = new client.AggregatorRegistry();
  let restarts = 0;
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ slot: i + 1, worker: null, startedAt: 0, delayMs: 0 }));
  new client.Gauge({
    name: 'rulemq_workers',
    help: 'Worker processes of this node (rulemq start --workers), by state: configured, alive.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'configured' }, count);
      this.set({ state: 'alive' }, slots.filter((s) => s.worker?.isConnected()).length);
    },
  });
  new client.Counter({
    name: 'rulemq_worker_restarts_total',
    help: 'Worker processes that died while the node was running and were replaced.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(restarts);
    },
  });

  return new Promise<number>((resolve) => {
    let started = false;
    let stopping = false;
    let exitCode = 0;
    const readySlots = new Set<number>();

    const fork = (s: Slot) => {
      s.startedAt = Date.now();
      const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(s.slot) });
      s.worker = worker;
      worker.on('message', (msg: unknown) => {
        if (isRulemqMessage<ToSupervisor>(msg)) onMessage(s, worker, msg);
      });
      worker.on('exit', (code, signal) => onExit(s, worker, code, signal));
      // A message sent while the worker dies (a /metrics scrape fans out to every worker) fails with EPIPE on
      // its channel; unhandled, that error would stop the whole node. The worker's 'exit' replaces it.
      worker.on('error', (err: Error) => logger.debug({ worker: s.slot, err: err.message }, 'message to a dying worker not delivered'));
    };

    const onMessage = (s: Slot, worker: Worker, msg: ToSupervisor) => {
      switch (msg.rulemq) {
        case 'ready':
          // A worker that finishes starting while the node stops (another one failed) is draining already.
          if (stopping) return;
          if (started) {
            logger.info({ worker: s.slot, pid: worker.process.pid }, 'replacement worker ready');
            return;
          }
          readySlots.add(s.slot);
          if (readySlots.size === count) {
            started = true;
            onReady(
              msg.ports,
              slots.map((x) => x.worker?.process.pid ?? 0),
            );
          }
          return;
        case 'metrics':
          void scrape().then(
            ({ text, contentType }) => send(worker, { rulemq: 'metrics', id: msg.id, text, contentType }),
            (err: Error) => send(worker, { rulemq: 'metrics', id: msg.id, error: err.message }),
          );
          return;
        case 'broadcast':
          for (const other of slots) if (other.worker && other.worker !== worker) send(other.worker, { rulemq: 'sibling', event: msg.event });
          return;
      }
    };

    const scrape = async () => {
      const [workers, own] = await Promise.all([aggregator.clusterMetrics(), registry.metrics()]);
      return { text: `${workers}\n${own}`, contentType: registry.contentType };
    };

    const onExit = (s: Slot, worker: Worker, code: number | null, signal: string | null) => {
      if (s.worker === worker) s.worker = null;
      if (stopping) {
        if (code !== 0 && exitCode === 0) exitCode = 1;
        if (slots.every((x) => x.worker === null)) finish();
        return;
      }
      if (!started) {
        // A worker that cannot start (a port taken, Redis unreachable, a bad rules file) has said why on
        // stderr; the others would fail the same way, so the node stops instead of retrying forever.
        logger.error({ worker: s.slot, code, signal }, 'a worker failed to start; stopping the others');
        exitCode = code && code > 0 ? code : 1;
        shutdown();
        return;
      }
      restarts++;
      const lived = Date.now() - s.startedAt;
      s.delayMs = restartDelayMs(lived, s.delayMs);
      logger.error({ worker: s.slot, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: s.delayMs }, 'worker died; starting a replacement');
      setTimeout(() => {
        if (!stopping) fork(s);
      }, s.delayMs);
    };

    let forceTimer: NodeJS.Timeout | null = null;
    const shutdown = () => {
      stopping = true;
      const alive = slots.filter((s) => s.worker !== null);
      if (alive.length === 0) return finish();
      for (const s of alive) send(s.worker!, { rulemq: 'drain' });
      // Workers drain within shutdownGraceMs; one that hangs past that (and a margin) is killed.
      forceTimer = setTimeout(() => {
        for (const s of slots) {
          if (!s.worker) continue;
          logger.warn({ worker: s.slot }, 'worker did not stop in time; killing it');
          exitCode = 1;
          s.worker.process.kill('SIGKILL');
        }
      }, config.shutdownGraceMs + 10_000);
      forceTimer.unref();
    };

    const finish = () => {
      if (forceTimer) clearTimeout(forceTimer);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', onHup);
      resolve(exitCode);
    };

    const onSignal = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: killing the workers now');
        for (const s of slots) s.worker?.process.kill('SIGKILL');
        exitCode = 1;
        return;
      }
      logger.info({ signal, workers: count, graceMs: config.shutdownGraceMs }, 'draining every worker');
      shutdown();
    };
    const onTerm = () => onSignal('SIGTERM');
    const onInt = () => onSignal('SIGINT');
    // Users signal the process they started: a reload (rules, passwords, ACL) reaches every worker.
    const onHup = () => {
      for (const s of slots) s.worker?.process.kill('SIGHUP');
    };
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', onHup);

    logger.info({ workers: count }, `starting ${count} workers`);
    for (const s of slots) fork(s);
  });
}

function send(worker: Worker, msg: ToWorker): void {
  if (worker.isConnected()) worker.send(msg);
}
