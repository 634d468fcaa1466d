import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { httpGet } from '../support/broker.js';
import { rng } from '../support/rng.js';

const RULES = `
CREATE RULE fields AS
  SELECT payload.temp as t, payload.a.b as ab FROM "hostile/#"
  INTO republish(topic = 'out/fields', payload = '\${t}|\${ab}');
CREATE RULE filtered AS
  SELECT * FROM "hostile/#" WHERE payload.temp > 4
  INTO republish(topic = 'out/filtered', payload = '\${payload}');
CREATE RULE redos AS
  SELECT regex_match(payload.s, '^(a+)+$') AS m, regex_replace(payload.s, '(x+x+)+y', '-') AS r FROM "hostile/#"
  INTO republish(topic = 'out/redos', payload = '\${m}');
CREATE RULE bomb AS
  SELECT bytesize(gunzip(gunzip(payload))) AS n FROM "hostile/#"
  INTO republish(topic = 'out/bomb', payload = '\${n}');
`;

const HOSTILE_PAYLOADS: Array<[string, Buffer]> = [
  // Catastrophic backtracking for a PCRE-style engine (seconds per message there; linear here).
  ['ReDoS subject', Buffer.from(JSON.stringify({ s: `${'a'.repeat(33)}b` }))],
  ['long ReDoS subject', Buffer.from(JSON.stringify({ s: 'x'.repeat(50_000) }))],
  // 64 MiB of zeros gzipped twice: a few hundred bytes that would inflate to 64 MiB (past maxDecompressedBytes).
  ['double-gzip bomb', gzipSync(gzipSync(Buffer.alloc(64 * 1024 * 1024)))],
  ['not JSON', Buffer.from('{"temp": 1,')],
  ['empty', Buffer.alloc(0)],
  ['ill-formed UTF-8', Buffer.from([0x7b, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0x7d])],
  ['random binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff))],
  ['10k-deep array', Buffer.from('['.repeat(10_000) + ']'.repeat(10_000))],
  ['10k-deep object', Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`)],
  ['1e400', Buffer.from('{"temp": 1e400, "a": {"b": -1e400}}')],
  ['900 kB string', Buffer.from(`{"temp": "${'x'.repeat(900_000)}"}`)],
  ['__proto__ keys', Buffer.from('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "temp": 3}')],
  ['lone surrogate escapes', Buffer.from('{"temp": "\\ud800", "a": {"b": "\\udfff"}}')],
  ['operator-looking object', Buffer.from('{"temp": {"$gt": 1}, "a": {"b": [1, {"c": null}]}}')],
  ['huge number of keys', Buffer.from(`{${Array.from({ length: 20_000 }, (_, i) => `"k${i}": ${i}`).join(',')}, "temp": 1}`)],
];

describe('hostile payloads through rules', () => {
  let rb: RulesBroker;
  before(async () => {
    rb = await startRulesBroker(RULES, { flags: { logLevel: 'error' } });
  });
  after(async () => rb.close());

  test('never crash a rule or the broker, and the rules still work afterwards', async () => {
    const pub = await connectClient(rb.mqttUrl, { clientId: 'hostile-pub' });
    const sub = await connectClient(rb.mqttUrl, { clientId: 'hostile-sub' });
    try {
      await sub.subscribeAsync('out/fields', { qos: 1 });
      for (const [, payload] of HOSTILE_PAYLOADS) await pub.publishAsync('hostile/x', payload, { qos: 1 });
      const r = rng(99);
      for (let i = 0; i < 200; i++)
        await pub.publishAsync('hostile/fuzz', Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))), { qos: 0 });
      // Whatever the hostile payloads produced may still arrive; a normal message must come through intact.
      const sentinel = new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the sentinel message never came out of the rule')), 5000);
        sub.on('message', (_topic, payload) => {
          if (payload.toString() === '5|6') {
            clearTimeout(t);
            resolve(payload.toString());
          }
        });
      });
      await pub.publishAsync('hostile/x', '{"temp": 5, "a": {"b": 6}}', { qos: 1 });
      assert.equal(await sentinel, '5|6');
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
      // The bomb and the non-gzip payloads failed the bomb rule, counted; none of them stalled the others.
      const bomb = await httpGet(rb.httpPort, '/api/v5/rules/bomb/metrics');
      const failed = (JSON.parse(bomb.text) as { metrics: Record<string, number> }).metrics['failed.exception'];
      assert.ok(failed >= HOSTILE_PAYLOADS.length, `bomb rule failures counted: ${failed}`);
      const health = await httpGet(rb.httpPort, '/healthz');
      assert.equal(health.status, 200);
    } finally {
      await endAll(pub, sub);
    }
  });
});

describe('rules and the ACL', () => {
  test('a PUBLISH the ACL denies never reaches a rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rulemq-rule-acl-'));
    const aclFile = join(dir, 'acl');
    writeFileSync(aclFile, 'topic write in/allowed\ntopic read out/#\n');
    const rb = await startRulesBroker(`CREATE RULE copy AS SELECT topic FROM "in/#" INTO republish(topic = 'out/copy', payload = '\${topic}');`, {
      flags: { aclFile, logLevel: 'error' },
    });
    const c = await connectClient(rb.mqttUrl, { clientId: 'acl-rules' });
    try {
      await c.subscribeAsync('out/copy', { qos: 1 });
      const seen: string[] = [];
      const allowed = new Promise<void>((resolve) =>
        c.on('message', (_t, p) => {
          seen.push(p.toString());
          if (p.toString() === 'in/allowed') resolve();
        }),
      );
      await c.publishAsync('in/denied', 'x', { qos: 1 }); // acknowledged, dropped
      await c.publishAsync('in/allowed', 'x', { qos: 1 });
      await allowed;
      assert.deepEqual(seen, ['in/allowed']);
    } finally {
      await endAll(c);
      await rb.close();
    }
  });
});
