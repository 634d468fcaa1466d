/**
 * Child processes of the benchmark: a tiny request/response protocol over the IPC channel, CPU and
 * memory read from /proc (the same way for Node brokers and mosquitto), and fork/stop helpers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcSample {
  /** CPU seconds (user + system) since the process started. */
  cpuSec: number;
  rssBytes: number;
  /** Peak RSS (VmHWM). */
  hwmBytes: number;
  /** Main thread (the event loop): seconds on a CPU, and seconds runnable but waiting for one (/proc/<pid>/schedstat). */
  mainRunSec: number;
  mainWaitSec: number;
  /** Read and write system calls so far (/proc/<pid>/io syscr + syscw; writev counts as one). */
  syscalls: number;
  at: number;
}

/** CPU and RSS of `pid` from /proc; zeros when /proc is unavailable (not Linux). */
export function sampleProc(pid: number): ProcSample {
  const at = performance.now();
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSec = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    let mainRunSec = NaN;
    let mainWaitSec = NaN;
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      mainRunSec = run / 1e9;
      mainWaitSec = wait / 1e9;
    } catch {
      // schedstat needs CONFIG_SCHEDSTATS; without it the figures stay NaN
    }
    let syscalls = NaN;
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      syscalls = Number(/^syscr:\s+(\d+)/m.exec(io)?.[1]) + Number(/^syscw:\s+(\d+)/m.exec(io)?.[1]);
    } catch {
      // not readable (another user's process, or no /proc/<pid>/io)
    }
    return { cpuSec, rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM'), mainRunSec, mainWaitSec, syscalls, at };
  } catch {
    return { cpuSec: 0, rssBytes: 0, hwmBytes: 0, mainRunSec: NaN, mainWaitSec: NaN, syscalls: NaN, at };
  }
}

/**
 * How busy the event loop was between two samples: `run` = share of the wall time on a CPU, `wait` =
 * share runnable but waiting for a CPU (other processes had it). run + wait near 1 means the loop
 * never idled: the process was the bottleneck, whatever share of a core it got.
 */
export function loopBusy(a: ProcSample, b: ProcSample): { run: number; wait: number } {
  const wall = (b.at - a.at) / 1000;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { run: r((b.mainRunSec - a.mainRunSec) / wall), wait: r((b.mainWaitSec - a.mainWaitSec) / wall) };
}

/** Share of one core used between two samples (1.0 = one core busy). */
export function cpuShare(a: ProcSample, b: ProcSample): number {
  const wall = (b.at - a.at) / 1000;
  return wall > 0 ? (b.cpuSec - a.cpuSec) / wall : 0;
}

// ------------------------------------------------------------------------------------------ IPC

type Msg = Record<string, unknown> & { id?: number; ev?: string };

/** A forked child that answers `call(cmd, args)` and emits `{ ev }` events. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
  private readonly eventWaiters: { ev: string; resolve: (m: Msg) => void }[] = [];
  private readonly events: Msg[] = [];
  exited = false;

  constructor(
    readonly proc: ChildProcess,
    readonly name: string,
  ) {
    proc.on('message', (m: Msg) => {
      if (typeof m.id === 'number' && this.pending.has(m.id)) {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        if (typeof m.error === 'string') p.reject(new Error(`${name}: ${m.error}`));
        else p.resolve(m);
        return;
      }
      if (typeof m.ev === 'string') {
        const i = this.eventWaiters.findIndex((w) => w.ev === m.ev);
        if (i >= 0) this.eventWaiters.splice(i, 1)[0].resolve(m);
        else this.events.push(m);
      }
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`${name} exited (code ${code}, signal ${signal})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.eventWaiters.splice(0)) w.resolve({ ev: 'exit', error: err.message });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  call<T = Msg>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to '${cmd}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(t);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, ...args });
    });
  }

  /** Resolves with the next `{ ev }` message of that name (queued if it came already). */
  next<T = Msg>(ev: string, timeoutMs = 120_000): Promise<T> {
    const i = this.events.findIndex((m) => m.ev === ev);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no '${ev}' within ${timeoutMs} ms`)), timeoutMs);
      this.eventWaiters.push({
        ev,
        resolve: (m) => {
          clearTimeout(t);
          if (m.ev === 'exit') reject(new Error(String(m.error)));
          else resolve(m as T);
        },
      });
    });
  }

  /** Asks the child to stop; kills it if it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      this.proc.send({ id: 0, cmd: 'stop' });
    } catch {
      // channel already closed
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }
}

/** Forks a compiled benchmark script with a JSON argument; the child answers through `serveIpc`. */
export function forkChild(script: URL, name: string, arg: unknown, execArgv: string[] = []): Child {
  const proc = fork(script, [JSON.stringify(arg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Child(proc, name);
}

/** The child side: dispatches `{ id, cmd }` to handlers and answers `{ id, ...result }`. 'stop' calls `onStop`. */
export function serveIpc(handlers: Record<string, (m: Msg) => unknown | Promise<unknown>>, onStop: () => Promise<void> | void): void {
  process.on('message', async (m: Msg) => {
    const cmd = String(m.cmd);
    if (cmd === 'stop') {
      await onStop();
      process.exit(0);
    }
    const h = handlers[cmd];
    try {
      if (!h) throw new Error(`unknown command ${cmd}`);
      const out = (await h(m)) ?? {};
      process.send!({ id: m.id, ...(out as object) });
    } catch (e) {
      process.send!({ id: m.id, error: (e as Error).stack ?? String(e) });
    }
  });
  process.on('disconnect', () => process.exit(0)); // the parent died
}

export function emit(ev: string, data: Record<string, unknown> = {}): void {
  process.send?.({ ev, ...data });
}

/** The JSON argument a child was forked with. */
export function childArg<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** A TCP port free right now on 127.0.0.1 (for programs that cannot take port 0, like mosquitto). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The soft limit on open files of this process (children inherit it). */
export function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? (m[1] === 'unlimited' ? Infinity : Number(m[1])) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds all processes of the machine spent busy (user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusySec(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
