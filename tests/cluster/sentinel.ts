import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../support/rules-broker.js';
import { RedisServer, freePort, waitForPing } from './redis-server.js';

export interface Sentinel {
  readonly port: number;
  stop(): void;
}

/** A redis-server in Sentinel mode watching `primaryPort` as `mymaster`, with a short down-after. */
export async function startSentinel(primaryPort: number, downAfterMs = 1000): Promise<Sentinel> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds mymaster ${downAfterMs}`,
      'sentinel failover-timeout mymaster 5000',
      'sentinel parallel-syncs mymaster 1',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server --sentinel exited with ${code}: ${output.join('').slice(-500)}`)));
  });
  exited.catch(() => undefined);
  await Promise.race([waitForPing(port, 10_000), exited]);
  return {
    port,
    stop: () => {
      process.off('exit', reap);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A primary, one replica in sync with it, and a Sentinel watching them as `mymaster`. */
export interface SentinelGroup {
  readonly primary: RedisServer;
  readonly replica: RedisServer;
  readonly sentinel: Sentinel;
  /** `redis-sentinel://127.0.0.1:<sentinel port>#mymaster` */
  readonly url: string;
  /**
   * Freezes the primary (SIGSTOP), as a host that stops answering: its sockets stay open and the
   * commands sent on them get no reply, so nothing but Sentinel tells clients it is gone. `primary.kill()` ends it.
   */
  freezePrimary(): Promise<void>;
  /** Resolves when Sentinel names the replica as the primary (polled every 10 ms); rejects after `timeoutMs`. */
  promoted(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelGroup(downAfterMs = 1000): Promise<SentinelGroup> {
  // No 5 s wait before the replica's first full sync (the diskless default).
  const primary = await RedisServer.create(() => ['--repl-diskless-sync-delay', '0']);
  const replica = await RedisServer.create(() => ['--replicaof', '127.0.0.1', String(primary.port)]);
  const r = new Redis(replica.port, '127.0.0.1', { lazyConnect: true });
  try {
    await eventually(async () => /master_link_status:up/.test(await r.info('replication').catch(() => '')), 10_000, 'the replica is in sync');
  } finally {
    r.disconnect();
  }
  const sentinel = await startSentinel(primary.port, downAfterMs);
  return {
    primary,
    replica,
    sentinel,
    url: `redis-sentinel://127.0.0.1:${sentinel.port}#mymaster`,
    async freezePrimary() {
      const r = new Redis(primary.port, '127.0.0.1', { lazyConnect: true });
      try {
        process.kill(Number(/process_id:(\d+)/.exec(await r.info('server'))?.[1]), 'SIGSTOP');
      } finally {
        r.disconnect();
      }
    },
    async promoted(timeoutMs) {
      const s = new Redis(sentinel.port, '127.0.0.1', { lazyConnect: true });
      try {
        await eventually(
          async () => Number(((await s.call('SENTINEL', 'get-master-addr-by-name', 'mymaster').catch(() => [])) as string[])[1]) === replica.port,
          timeoutMs,
          'Sentinel promotes the replica',
        );
      } finally {
        s.disconnect();
      }
    },
    async stop() {
      sentinel.stop();
      await replica.stop();
      await primary.stop();
    },
  };
}
