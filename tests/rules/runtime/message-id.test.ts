import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AedesPublishPacket, Client } from 'aedes';
import { RuleEngine } from '../../../rules/engine.js';
import { planRules } from '../../../rules/load.js';
import { RuleSet, buildRuleSet, mayReadMessageId } from '../../../rules/rule-set.js';
import { createSinkRegistry } from '../../../sinks/index.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** An engine with `rules` (rules.sql text, every rule INTO console) loaded. */
function engineWith(rules: string): RuleEngine {
  const sinks = createSinkRegistry();
  const plan = planRules(rules, { fileName: 'ids.sql', sinks });
  const deps = { publisher: { publish() {} }, logger: silent, sinks, metricsFor: () => ({ observeAppendSeconds() {}, observeBatchSize() {} }) };
  const engine = new RuleEngine('ids@node');
  engine.swap(buildRuleSet(plan, RuleSet.empty(), deps as never).set);
  return engine;
}

const client = { id: 'dev-1' } as unknown as Client;
const packet = {
  cmd: 'publish',
  topic: 't/1',
  payload: Buffer.from('{"a": 1}'),
  qos: 1,
  retain: false,
  dup: false,
  brokerCounter: 7,
} as unknown as AedesPublishPacket;

test('message ids are built only when a loaded publish rule may read them', () => {
  const seed = 'CREATE RULE seed AS SELECT clientid as client_id, payload.a as a FROM "t/#" INTO console;\n';
  assert.equal(engineWith(seed).messageContext(packet, client).id, undefined);
  for (const reader of [
    'SELECT id FROM "t/#"',
    'SELECT * FROM "t/#"',
    'SELECT payload.a as a FROM "t/#" WHERE ID = \'x\'',
    'FOREACH payload.xs AS x DO msgid() as m FROM "t/#"',
  ]) {
    const ctx = engineWith(`${seed}CREATE RULE reader AS ${reader} INTO console;\n`).messageContext(packet, client);
    // Not attached to a broker: no node prefix, only the counter (brokerCounter 7) as 12 hex digits.
    assert.equal(ctx.id, '000000000007', reader);
  }
  // A rule on an event topic reads its own event's id, not the publish context's.
  const onEvent = `${seed}CREATE RULE ev AS SELECT id FROM "$events/client_connected" INTO console;\n`;
  assert.equal(engineWith(onEvent).messageContext(packet, client).id, undefined);
});

test('mayReadMessageId says yes for every way a rule names the id, and may say yes for none', () => {
  const cases: [string, boolean][] = [
    ['SELECT id FROM "t"', true],
    ['select Id as i from "t"', true],
    ['SELECT msgid() FROM "t"', true],
    ['SELECT * FROM "t"', true],
    ['SELECT payload.id FROM "t"', true], // a payload field: yes for nothing, which is allowed
    ['SELECT \'id\' as s FROM "t"', true],
    ['SELECT clientid, client_id, payload.temp as temp FROM "t"', false],
    ['SELECT idx, ids, uuid FROM "t"', false],
  ];
  for (const [sql, expected] of cases) assert.equal(mayReadMessageId(sql), expected, sql);
});
