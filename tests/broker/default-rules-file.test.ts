import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess } from '../security/support/broker-process.js';
import { connectClient, endAll, nextMessages } from '../support/mqtt.js';

const RULE = `CREATE RULE echo AS SELECT payload.t as t FROM "in/#" INTO republish(topic = 'out/echo', payload = '\${t}');\n`;

async function logged(b: BrokerProcess, match: (l: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const hit = b.logs.find(match);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}; logs: ${JSON.stringify(b.logs)}`);
}

/** Publishes to in/1 and resolves with what the rule republished to out/echo. */
async function roundTrip(port: number, value: string): Promise<string> {
  const sub = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: `sub-${value}` });
  const pub = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: `pub-${value}` });
  try {
    await sub.subscribeAsync('out/echo', { qos: 1 });
    const got = nextMessages(sub, 1);
    await pub.publishAsync('in/1', JSON.stringify({ t: value }), { qos: 1 });
    return (await got)[0].payload;
  } finally {
    await endAll(sub, pub);
  }
}

describe('the default rules file (./rules.sql, no --rules)', () => {
  test('start without it logs that there is none; created later it is loaded; removed, the loaded rules keep running', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rulemq-default-rules-'));
    const b = await startBrokerProcess([], cwd);
    try {
      const none = await logged(b, (l) => String(l.msg).startsWith('no rules file'), 'the no-rules-file line');
      assert.equal(none.file, join(cwd, 'rules.sql'));
      writeFileSync(join(cwd, 'rules.sql'), RULE);
      const loaded = await logged(b, (l) => l.msg === 'rules reloaded', 'the reload after creation');
      assert.equal(loaded.rules, 1);
      assert.equal(await roundTrip(b.ports['mqtt-tcp'], 'first'), 'first');
      rmSync(join(cwd, 'rules.sql'));
      const gone = await logged(b, (l) => /does not exist; the 1 loaded rule\(s\) keep running/.test(String(l.msg)), 'the removal warning');
      assert.equal(gone.level, 40);
      assert.equal(await roundTrip(b.ports['mqtt-tcp'], 'second'), 'second');
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });

  test('SIGHUP loads a rules.sql created after start-up', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rulemq-default-rules-'));
    const b = await startBrokerProcess([], cwd);
    try {
      writeFileSync(join(cwd, 'rules.sql'), RULE);
      b.child.kill('SIGHUP');
      const loaded = await logged(b, (l) => l.msg === 'rules reloaded' && l.reason === 'SIGHUP', 'the SIGHUP reload');
      assert.equal(loaded.rules, 1);
      assert.equal(await roundTrip(b.ports['mqtt-tcp'], 'hup'), 'hup');
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });

  test('an existing ./rules.sql is named at start-up', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rulemq-default-rules-'));
    writeFileSync(join(cwd, 'rules.sql'), RULE);
    const b = await startBrokerProcess([], cwd);
    try {
      const line = await logged(b, (l) => l.msg === 'rules file loaded', 'the rules-file line');
      assert.equal(line.file, join(cwd, 'rules.sql'));
      assert.equal(line.rules, 1);
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });
});
