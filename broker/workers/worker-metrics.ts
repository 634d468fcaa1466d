import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';

/**
 * Series that keep a `worker` label when the supervisor sums every worker's metrics: the node-wide sums
 * (rulemq_connections...) say how much, these say where — one busy or stuck worker shows up here.
 */
export function registerWorkerMetrics(registry: client.Registry, slot: number, connected: () => number): void {
  const worker = String(slot);
  new client.Gauge({
    name: 'rulemq_worker_connections',
    help: 'MQTT clients connected now to one worker process (rulemq start --workers).',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.set({ worker }, connected());
    },
  });
  const resolutionMs = 10;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  new client.Gauge({
    name: 'rulemq_worker_eventloop_delay_p99_seconds',
    help: "99th percentile of one worker's event-loop delay since the previous scrape.",
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      // The histogram holds whole timer intervals (the resolution plus the delay): keep the delay.
      const p99 = delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e6 - resolutionMs) / 1000 : 0;
      delay.reset();
      this.set({ worker }, p99);
    },
  });
}
