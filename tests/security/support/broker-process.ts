import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../broker/cli.js', import.meta.url));

export interface BrokerProcess {
  readonly ports: Record<string, number>;
  readonly child: ChildProcess;
  /** JSON log lines the broker wrote so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** Whatever the broker wrote to stderr (an uncaught exception lands here). */
  stderr(): string;
  /** Exit code if the process has exited, else null. */
  exitCode(): number | null;
  /** SIGTERM, then the exit code (a clean drain exits 0). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts `rulemq start` in its own process (by default in an empty working directory, so no rules.sql), every
 * listener on 127.0.0.1 with OS-chosen ports, and resolves once it logged 'rulemq ready'. A crash
 * of the broker shows as an exit, not as a failure of the test process.
 */
export function startBrokerProcess(flags: string[] = [], cwd = mkdtempSync(join(tmpdir(), 'rulemq-proc-'))): Promise<BrokerProcess> {
  const args = [
    CLI,
    'start',
    '--host',
    '127.0.0.1',
    '--mqtt-port',
    '0',
    '--ws-port',
    '0',
    '--tls-port',
    'off',
    '--wss-port',
    'off',
    '--http-port',
    '0',
    '--log-level',
    'info',
    ...flags,
  ];
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RULEMQ_CONFIG: '' } });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  let code: number | null = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (c, signal) => {
      code = c ?? (signal ? 128 : -1);
      clearTimeout(timer);
      reject(new Error(`broker exited with ${c ?? signal} before it was ready: ${stderr}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'rulemq ready') {
          clearTimeout(timer);
          resolve({
            ports: entry.ports as Record<string, number>,
            child,
            logs,
            stderr: () => stderr,
            exitCode: () => code,
            stop: (timeoutMs = 15_000) =>
              new Promise((done) => {
                if (code !== null) return done(code);
                const t = setTimeout(() => {
                  child.kill('SIGKILL');
                  done(null);
                }, timeoutMs);
                child.once('exit', (c) => {
                  clearTimeout(t);
                  done(c);
                });
                child.kill('SIGTERM');
              }),
          });
        }
      }
    });
  });
}
