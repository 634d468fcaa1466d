/**
 * rulemq as a child process (`node dist/broker/cli.js start --rules FILE`), so a test can kill -9
 * it while devices in the test process keep publishing and the HStreamDB test server keeps running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

export interface ChildBroker {
  readonly proc: ChildProcess;
  readonly mqttPort: number;
  readonly httpPort: number;
  /** Log lines so far (JSON). */
  readonly logs: string[];
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (drains), and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts rulemq on 127.0.0.1 with OS-chosen ports; resolves once its MQTT and HTTP listeners are up.
 * `cli` runs another build's CLI (a benchmark comparing two builds).
 */
export function startChildBroker(rulesFile: string, timeoutMs = 20_000, extraArgs: readonly string[] = [], cli = CLI): Promise<ChildBroker> {
  const proc = spawn(
    process.execPath,
    [
      cli,
      'start',
      '--rules',
      rulesFile,
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      '0',
      '--ws-port',
      'off',
      '--http-port',
      '0',
      '--log-level',
      'info',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  );
  const logs: string[] = [];
  const ports: Record<string, number> = {};
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let rest = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`rulemq did not start within ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      logs.push(line);
      const m = /"listener":"(mqtt-tcp|http)".*?"port":(\d+)/.exec(line);
      if (m) ports[m[1]] = Number(m[2]);
      if (ports['mqtt-tcp'] !== undefined && ports.http !== undefined && /rulemq ready/.test(line)) {
        clearTimeout(timer);
        resolve({
          proc,
          mqttPort: ports['mqtt-tcp'],
          httpPort: ports.http,
          logs,
          async kill9() {
            if (!exited) proc.kill('SIGKILL');
            await exit;
          },
          async stop() {
            if (!exited) proc.kill('SIGTERM');
            await exit;
          },
        });
      }
    };
    proc.stdout!.on('data', (d: Buffer) => {
      rest += d.toString();
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const l of lines) onLine(l);
    });
    proc.stderr!.on('data', (d: Buffer) => logs.push(`stderr: ${d.toString()}`));
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`rulemq exited during start-up:\n${logs.join('\n')}`));
    });
  });
}

/** GET a JSON document from the child's HTTP API. */
export async function getJson<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return (await res.json()) as T;
}
