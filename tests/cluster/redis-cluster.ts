import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer } from './redis-server.js';

const run = promisify(execFile);

/**
 * A private 3-primary Redis Cluster for one test file: three RedisServer processes with cluster mode
 * on (no replicas), joined with `redis-cli --cluster create`, ready once every node reports
 * `cluster_state:ok`. A short node timeout lets a killed shard be noticed by the others quickly.
 */
export class RedisClusterServers {
  private constructor(readonly servers: readonly RedisServer[]) {}

  static async create(size = 3): Promise<RedisClusterServers> {
    const servers = await Promise.all(
      Array.from({ length: size }, () =>
        RedisServer.create(() => ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']),
      ),
    );
    const cluster = new RedisClusterServers(servers);
    try {
      await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes']);
      await cluster.waitOk(10_000);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** redis-cluster:// URL naming every node (any one would do: the client reads the slot map from it). */
  get url(): string {
    return `redis-cluster://${this.servers.map((s) => `127.0.0.1:${s.port}`).join(',')}`;
  }

  /** A redis-cli command against one node, e.g. `cli(0, 'cluster', 'info')`. */
  async cli(index: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(this.servers[index].port), ...args]);
    return stdout;
  }

  /** Which node owns `key` (its index in `servers`), from CLUSTER KEYSLOT and CLUSTER NODES. */
  async ownerOf(key: string): Promise<number> {
    return this.ownerOfSlot(Number((await this.cli(0, 'cluster', 'keyslot', key)).trim()));
  }

  /** Which node owns hash slot `slot` (its index in `servers`). */
  async ownerOfSlot(slot: number): Promise<number> {
    for (const line of (await this.cli(0, 'cluster', 'nodes')).split('\n')) {
      const [, addr, , , , , , , ...ranges] = line.split(' ');
      if (!addr) continue;
      const port = Number(addr.split(':')[1].split('@')[0]);
      for (const r of ranges) {
        const [lo, hi] = r.split('-').map(Number);
        if (slot >= lo && slot <= (hi ?? lo)) return this.servers.findIndex((s) => s.port === port);
      }
    }
    throw new Error(`no node owns slot ${slot}`);
  }

  /** How many times a command ran on a node since start or CONFIG RESETSTAT (INFO commandstats). */
  async commandCalls(index: number, command: string): Promise<number> {
    const m = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(await this.cli(index, 'info', 'commandstats'));
    return m ? Number(m[1]) : 0;
  }

  async waitOk(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(this.servers.map((_, i) => this.cli(i, 'cluster', 'info').catch(() => '')));
      if (states.every((s) => /^cluster_state:ok/m.test(s))) return;
      if (Date.now() > deadline)
        throw new Error(`Redis Cluster not ok within ${timeoutMs} ms: ${states.map((s) => /cluster_state:\w+/.exec(s)?.[0]).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}
