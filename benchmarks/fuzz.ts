/**
 * The long run of the seeded mutation fuzzer (tests/security/fuzz.test.ts runs it for seconds):
 *
 *   npx tsc -p tsconfig.json && node dist/benchmarks/fuzz.js [--seconds 120] [--seed N] [--concurrency 8] [--flags '--max-packet-bytes 65536 ...']
 *
 * The broker runs as its own process (`rulemq start`, loopback only). Recorded MQTT.js sessions and
 * hand-made ones (MQTT 3.1, 3.1.1 and 5) are mutated and replayed over TCP and WebSocket; every 200 sessions a normal client
 * must complete a QoS 1 round trip. The run fails (exit 1) on a broker exit, anything on its stderr,
 * an error-level log line, a failed round trip, or an unclean SIGTERM drain. It prints the seed, so a
 * failing run can be repeated.
 *
 * The broker runs rules that a hostile payload could turn against it (a catastrophic-backtracking regex, nested
 * gunzip), and before every live check a client publishes the payloads that would stall them: a ReDoS subject and
 * a double-gzip bomb. The live check's 5 s round trip fails if either blocks the event loop. For the whole run a
 * subscriber to `#` stops reading its socket, so every fuzzed and hostile message also meets a slow reader.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import net from 'node:net';
import mqtt from 'mqtt';
import { connect as connectPacket, subscribe as subscribePacket } from '../tests/support/wire.js';
import { startBrokerProcess } from '../tests/security/support/broker-process.js';
import { fuzz, handMadeSessions, recordSessions } from '../tests/security/support/fuzz.js';

async function roundTrip(port: number, id: string, protocolVersion: 4 | 5 = 4): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id, protocolVersion, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await c.subscribeAsync(`alive/${id}`, { qos: 1 });
    const got = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`round trip ${id} timed out`)), 5000);
      c.once('message', () => {
        clearTimeout(t);
        resolve();
      });
    });
    await c.publishAsync(`alive/${id}`, 'ok', { qos: 1 });
    await got;
  } finally {
    await c.endAsync(true);
  }
}

/** Rules that a crafted payload would stall without linear-time regexes and bounded decompression. */
const HOSTILE_RULES = `
CREATE RULE fuzz_regex AS
  SELECT regex_match(payload, '^(a+)+$') AS m, regex_replace(payload, '(x+x+)+y', '-') AS r FROM "#"
  INTO republish(topic = 'fuzz-out/regex', payload = '\${m}');
CREATE RULE fuzz_bomb AS
  SELECT bytesize(gunzip(gunzip(payload))) AS n FROM "#"
  INTO republish(topic = 'fuzz-out/bomb', payload = '\${n}');
`;

/** A 33-byte ReDoS subject, a long one, and 64 MiB of zeros gzipped twice (a few hundred bytes). */
const HOSTILE_PAYLOADS: readonly Buffer[] = [
  Buffer.from(`${'a'.repeat(32)}b`),
  Buffer.from('x'.repeat(100_000)),
  gzipSync(gzipSync(Buffer.alloc(64 * 1024 * 1024))),
];

async function publishHostile(port: number, id: string): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    for (const p of HOSTILE_PAYLOADS) await c.publishAsync('hostile/in', p, { qos: 1 });
  } finally {
    await c.endAsync(true);
  }
}

/** A subscriber to `#` that reads its SUBACK and then never reads again. */
async function stalledSubscriber(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  s.write(connectPacket('fuzz-slow-reader', { keepalive: 0 }));
  s.write(subscribePacket(1, ['#', 1]));
  await new Promise((r) => setTimeout(r, 200));
  s.pause();
  return s;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '120' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      concurrency: { type: 'string', default: '8' },
      flags: { type: 'string', default: '' },
    },
  });
  const seconds = Number(values.seconds);
  const seed = Number(values.seed);
  const concurrency = Number(values.concurrency);
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'rulemq-fuzz-')), 'rules.sql');
  writeFileSync(rulesFile, HOSTILE_RULES);
  const flags = ['--max-connect-rate', '0', '--connect-timeout-ms', '1000', '--rules', rulesFile, ...values.flags.split(/\s+/).filter(Boolean)];
  process.stdout.write(`fuzz: ${seconds} s, seed ${seed}, ${concurrency} at once, broker flags: ${flags.join(' ')}\n`);

  const broker = await startBrokerProcess(flags);
  const problems: string[] = [];
  try {
    const corpus = [...(await recordSessions(broker.ports['mqtt-tcp'])), ...handMadeSessions()];
    const slowReader = await stalledSubscriber(broker.ports['mqtt-tcp']);
    const started = Date.now();
    let n = 0;
    const stats = await fuzz({
      mqttPort: broker.ports['mqtt-tcp'],
      wsPort: broker.ports['mqtt-ws'],
      seed,
      durationMs: seconds * 1000,
      concurrency,
      corpus,
      checkEvery: 200,
      check: async () => {
        try {
          await publishHostile(broker.ports['mqtt-tcp'], `fuzz-hostile-${n}`);
          await roundTrip(broker.ports['mqtt-tcp'], `fuzz-check-${n}`, n++ % 2 === 0 ? 4 : 5);
        } catch (err) {
          problems.push(`live check failed: ${(err as Error).message}`);
        }
      },
    });
    slowReader.destroy();
    const elapsed = (Date.now() - started) / 1000;
    process.stdout.write(
      `sessions ${stats.sessions} (${(stats.sessions / elapsed).toFixed(0)}/s), ${(stats.bytes / 1048576).toFixed(1)} MiB sent, ` +
        `${stats.closedByBroker} closed by the broker, ${stats.checks} live checks\n`,
    );
    if (broker.exitCode() !== null) problems.push(`the broker exited with ${broker.exitCode()}`);
    else await roundTrip(broker.ports['mqtt-tcp'], 'fuzz-final').catch((err: Error) => problems.push(`final round trip: ${err.message}`));
    const rejected: Record<string, number> = {};
    for (const l of broker.logs) if (l.msg === 'connection closed by protection') rejected[String(l.violation)] = (rejected[String(l.violation)] ?? 0) + 1;
    process.stdout.write(`closed by protection, by reason: ${JSON.stringify(rejected)}\n`);
    for (const l of broker.logs) if (typeof l.level === 'number' && l.level >= 50) problems.push(`error log: ${JSON.stringify(l)}`);
  } finally {
    const code = await broker.stop();
    if (code !== 0) problems.push(`SIGTERM drain exited with ${code}`);
    if (broker.stderr() !== '') problems.push(`stderr: ${broker.stderr()}`);
  }
  if (problems.length > 0) {
    process.stdout.write(`FAILED (seed ${seed}):\n${problems.slice(0, 20).join('\n')}\n`);
    return 1;
  }
  process.stdout.write(`ok: no crash, no uncaught exception, no error log (seed ${seed})\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
