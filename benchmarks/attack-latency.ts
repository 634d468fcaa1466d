/**
 * A well-behaved client's round-trip latency while others attack the broker, beside its idle latency.
 * The broker runs as `rulemq start` in its own process (rules that a hostile payload would stall are
 * loaded); this process is the good client (one QoS 0 ping to itself every 20 ms) and the attackers.
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/attack-latency.js
 *
 * Environment: BENCH_ATTACK_SECONDS [5] per phase.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, sleep, waitForPort } from './lib/procs.js';
import { percentileOf } from './lib/histogram.js';
import { connect as connectPacket, publish as publishPacket, subscribe as subscribePacket } from '../tests/support/wire.js';

const SECONDS = Number(process.env.BENCH_ATTACK_SECONDS ?? 5);
const CLI = fileURLToPath(new URL('../broker/cli.js', import.meta.url));

const RULES = `
CREATE RULE redos AS SELECT regex_match(payload.s, '^(a+)+$') as m FROM "attack/regex" INTO console;
CREATE RULE bomb AS SELECT gunzip(gunzip(payload)) as x FROM "attack/gzip";
`;

interface Phase {
  name: string;
  /** Starts the attack; returns the function that stops it. */
  start(port: number): Promise<() => Promise<void>>;
}

const PHASES: Phase[] = [
  { name: 'idle', start: async () => async () => {} },
  {
    name: 'a subscriber to # stops reading; 4 KiB QoS 0 flood',
    async start(port) {
      const slow = await rawSubscriber(port, 'slow-reader', '#');
      const flood = await connect(port, 'flooder');
      let on = true;
      const payload = Buffer.alloc(4096, 0x61);
      void (async () => {
        while (on) {
          for (let i = 0; i < 200; i++) flood.publish('flood/x', payload, { qos: 0 });
          await sleep(5);
        }
      })();
      return async () => {
        on = false;
        slow.destroy();
        await flood.endAsync(true);
      };
    },
  },
  {
    name: "regex_match(payload.s, '^(a+)+$') on 33-byte payloads",
    async start(port) {
      return loop(port, 'redos', (c) => c.publish('attack/regex', JSON.stringify({ s: `${'a'.repeat(32)}!` }), { qos: 0 }));
    },
  },
  {
    name: 'gunzip(gunzip(payload)) of a 64 MiB zero bomb',
    async start(port) {
      const bomb = gzipSync(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
      return loop(port, 'gzip-bomb', (c) => c.publish('attack/gzip', bomb, { qos: 0 }));
    },
  },
  {
    name: '20,000 retained messages from one client',
    async start(port) {
      const c = await connect(port, 'retainer');
      let i = 0;
      let on = true;
      void (async () => {
        while (on && i < 20_000) {
          for (let k = 0; k < 500 && on; k++, i++) c.publish(`ret/${i}`, Buffer.alloc(1024, 0x62), { qos: 0, retain: true });
          await sleep(10);
        }
      })();
      return async () => {
        on = false;
        await c.endAsync(true);
      };
    },
  },
  {
    name: '100 connections each holding an unfinished 1 MiB PUBLISH',
    async start(port) {
      const socks: net.Socket[] = [];
      for (let i = 0; i < 100; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.write(connectPacket(`half-${i}`, { keepalive: 600 }));
        const header = publishPacket('half', { payload: Buffer.alloc(1024 * 1024 - 16) });
        s.write(header.subarray(0, 512 * 1024)); // half of it, never the rest
        socks.push(s);
      }
      return async () => {
        for (const s of socks) s.destroy();
      };
    },
  },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-attack-'));
  const rulesFile = join(dir, 'rules.sql');
  writeFileSync(rulesFile, RULES);
  const port = await freePort();
  const broker = spawn(
    process.execPath,
    [CLI, 'start', '--host', '127.0.0.1', '--mqtt-port', String(port), '--ws-port', 'off', '--http-port', 'off', '--rules', rulesFile, '--log-level', 'error'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await waitForPort(port);
    const rows: string[] = ['| while | p50 ms | p99 ms | max ms | pings answered |', '|---|---:|---:|---:|---:|'];
    for (const phase of PHASES) {
      const stop = await phase.start(port);
      await sleep(500);
      const r = await measure(port);
      await stop();
      rows.push(`| ${phase.name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${r.answered}/${r.sent} |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
      await sleep(1000);
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    broker.kill('SIGTERM');
  }
}

/** The good client: a QoS 0 ping to its own topic every 20 ms for SECONDS; a lost ping counts as not answered. */
async function measure(port: number): Promise<{ p50: number; p99: number; max: number; sent: number; answered: number }> {
  const c = await connect(port, `good-${Date.now()}`);
  await c.subscribeAsync('good/ping', { qos: 0 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  c.on('message', (_t, payload) => {
    const t0 = sentAt.get(payload.toString());
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  let n = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const id = String(n++);
    sentAt.set(id, performance.now());
    c.publish('good/ping', id, { qos: 0 });
    await sleep(20);
  }
  await sleep(2000); // late answers still count, with their latency
  await c.endAsync(true);
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentileOf(sorted, 50), p99: percentileOf(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, sent: n, answered: latencies.length };
}

async function connect(port: number, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0 });
}

async function loop(port: number, id: string, send: (c: MqttClient) => void): Promise<() => Promise<void>> {
  const c = await connect(port, id);
  const timer = setInterval(() => send(c), 50);
  return async () => {
    clearInterval(timer);
    await c.endAsync(true);
  };
}

/** A subscriber that reads its SUBACK and then never reads again. */
async function rawSubscriber(port: number, clientId: string, filter: string): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  s.write(connectPacket(clientId, { keepalive: 600 }));
  s.write(subscribePacket(1, [filter, 0]));
  await sleep(200);
  s.pause();
  return s;
}

await main();
