import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private redis-server for one test file: a free port on 127.0.0.1, no RDB/AOF, a temp dir.
 * `kill()` ends it with SIGKILL (as a crash would) and `start()` brings it back on the same port.
 */
export class RedisServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'rulemq-redis-'));
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /** `extraArgs(port)` adds redis-server arguments, e.g. `--replicaof 127.0.0.1 <port>`. */
  static async create(extraArgs: (port: number) => readonly string[] = () => []): Promise<RedisServer> {
    const port = await freePort();
    const server = new RedisServer(port, extraArgs(port));
    await server.start();
    return server;
  }

  /** The running redis-server's process id (for CPU readings in benchmarks), undefined while stopped. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('redis-server already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    // A crashed test run must not leave redis-server behind.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    child.stdout!.on('data', (b: Buffer) => this.output.push(b.toString()));
    child.stderr!.on('data', (b: Buffer) => this.output.push(b.toString()));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${this.output.join('').slice(-500)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPing(this.port, 10_000), exited]);
  }

  /** SIGKILL, then waits until the process is gone and the port refuses connections. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Sends PING over a raw socket until +PONG comes back. */
export async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      const done = (v: boolean) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.once('error', () => done(false));
      sock.once('connect', () => sock.write('PING\r\n'));
      sock.once('data', (b) => done(b.toString().startsWith('+PONG')));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
