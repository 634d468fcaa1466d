import { Writable } from 'node:stream';
import { loadConfig } from '../../broker/config/load.js';
import { createLogger } from '../../broker/logger.js';
import { startRulemq, type BrokerPlugin, type RunningBroker } from '../../broker/index.js';

/** Every listener on 127.0.0.1 with an OS-chosen port, silent logs, unless overridden. */
export async function startTestBroker(flags: Record<string, unknown> = {}, plugins: BrokerPlugin[] = []): Promise<RunningBroker & { logs: string[] }> {
  const config = loadConfig({
    flags: { host: '127.0.0.1', mqttPort: 0, tlsPort: 0, wsPort: 0, wssPort: 0, httpPort: 0, logLevel: 'warn', ...flags },
    env: {},
    cwd: process.cwd(),
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const running = await startRulemq({ config, logger, plugins });
  return Object.assign(running, { logs });
}

/** GET with a deadline (default 10 s): a request nobody answers fails the test instead of hanging it. */
export async function httpGet(port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

export async function httpPost(port: number, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Resolves with the value of the metric line `name{labels} value`, or 0 when absent. */
export function metricValue(text: string, name: string, labels = ''): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length)) : 0;
}
