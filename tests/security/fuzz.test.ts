import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';
import { startBrokerProcess, type BrokerProcess } from './support/broker-process.js';
import { fuzz, handMadeSessions, recordSessions, mutate } from './support/fuzz.js';
import { rng } from '../support/rng.js';

const SECONDS = Number(process.env.RULEMQ_TEST_FUZZ_SECONDS ?? 4);
const SEED = Number(process.env.RULEMQ_TEST_FUZZ_SEED ?? 20241126);

/** A normal client round trip (MQTT 3.1.1 or 5): connect, subscribe, publish QoS 1, receive. */
async function roundTrip(port: number, id: string, protocolVersion: 4 | 5 = 4): Promise<void> {
  const c = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: id, protocolVersion });
  try {
    await c.subscribeAsync(`alive/${id}`, { qos: 1 });
    const got = nextMessages(c, 1, 5000);
    await c.publishAsync(`alive/${id}`, 'ok', { qos: 1 });
    assert.equal((await got)[0].payload, 'ok');
  } finally {
    await endAll(c);
  }
}

describe(`seeded mutation fuzz of recorded sessions (${SECONDS} s, seed ${SEED})`, () => {
  let broker: BrokerProcess;
  let corpus: Buffer[];
  before(async () => {
    broker = await startBrokerProcess(['--max-connect-rate', '0', '--connect-timeout-ms', '1000']);
    corpus = [...(await recordSessions(broker.ports['mqtt-tcp'])), ...handMadeSessions()];
  });
  after(async () => {
    if (broker.exitCode() === null) await broker.stop();
  });

  test('the recorded corpus holds real client sessions', () => {
    assert.ok(corpus.length >= 5, `${corpus.length} sessions`);
    assert.ok(
      corpus.every((s) => s[0] === 0x10),
      'every session starts with CONNECT',
    );
    assert.ok(corpus.filter((s) => s[8] === 5 || s[9] === 5).length >= 3, 'MQTT 5 sessions are in it');
  });

  test('mutation is repeatable from the seed', () => {
    const a = rng(7);
    const b = rng(7);
    for (let i = 0; i < 50; i++) assert.deepEqual(mutate(corpus[i % corpus.length], corpus, a), mutate(corpus[i % corpus.length], corpus, b));
  });

  test('no crash, no uncaught exception, no error log, and normal clients are served throughout', async () => {
    let n = 0;
    const stats = await fuzz({
      mqttPort: broker.ports['mqtt-tcp'],
      wsPort: broker.ports['mqtt-ws'],
      seed: SEED,
      durationMs: SECONDS * 1000,
      concurrency: 8,
      corpus,
      checkEvery: 150,
      check: () => roundTrip(broker.ports['mqtt-tcp'], `fuzz-check-${n}`, n++ % 2 === 0 ? 4 : 5),
    });
    assert.ok(stats.sessions > 50, `only ${stats.sessions} sessions replayed`);
    assert.equal(broker.exitCode(), null, `the broker exited; stderr: ${broker.stderr()}`);
    await roundTrip(broker.ports['mqtt-tcp'], 'fuzz-final');
    await roundTrip(broker.ports['mqtt-tcp'], 'fuzz-final-v5', 5);
    assert.equal(broker.stderr(), '', 'nothing on stderr (an uncaught exception would print there)');
    const errors = broker.logs.filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(errors, [], 'no error or fatal log lines');
    assert.equal(await broker.stop(), 0, 'a clean drain on SIGTERM');
    process.stdout.write(
      `# fuzz: ${stats.sessions} sessions, ${stats.bytes} bytes, ${stats.closedByBroker} closed by the broker, ${stats.checks} live checks\n`,
    );
  });
});
