import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRulesBroker, eventually } from '../support/rules-broker.js';
import { connectClient, endAll } from '../support/mqtt.js';
import { httpGet, metricValue } from '../support/broker.js';

const RULES = `CREATE RULE fwd AS SELECT payload.v as v FROM "m/#" INTO republish(topic = 'fwd/out', payload = '\${v}');\n`;

test("resetting a rule's metrics zeroes the API view while every /metrics counter keeps counting up", async () => {
  const rb = await startRulesBroker(RULES);
  const dev = await connectClient(rb.mqttUrl, { clientId: 'reset-dev' });
  const scrape = async () => {
    const text = (await httpGet(rb.httpPort, '/metrics')).text;
    return {
      ruleMatched: metricValue(text, 'rulemq_rule_matched_total', 'rule="fwd"'),
      rulePassed: metricValue(text, 'rulemq_rule_passed_total', 'rule="fwd"'),
      actionMatched: metricValue(text, 'rulemq_action_matched_total', 'action="fwd:republish"'),
      actionSuccess: metricValue(text, 'rulemq_action_success_total', 'action="fwd:republish"'),
    };
  };
  const api = async () => {
    const rule = JSON.parse((await httpGet(rb.httpPort, '/api/v5/rules/fwd/metrics')).text) as { metrics: Record<string, number> };
    const action = JSON.parse((await httpGet(rb.httpPort, '/api/v5/actions/fwd:republish')).text) as { metrics: Record<string, number> };
    return { rule: rule.metrics, action: action.metrics };
  };
  try {
    for (let i = 0; i < 3; i++) await dev.publishAsync('m/1', JSON.stringify({ v: i }), { qos: 1 });
    await eventually(() => rb.plugin.current.rule('fwd')!.stats.actionsSuccess === 3, 5000, 'three rows written');
    const before = await scrape();
    assert.deepEqual(before, { ruleMatched: 3, rulePassed: 3, actionMatched: 3, actionSuccess: 3 });

    const reset = await fetch(`http://127.0.0.1:${rb.httpPort}/api/v5/rules/fwd/metrics/reset`, { method: 'PUT' });
    assert.equal(reset.status, 204);
    assert.deepEqual(await scrape(), before, 'no exported counter went down');
    const zero = await api();
    assert.equal(zero.rule.matched, 0);
    assert.equal(zero.rule['actions.success'], 0);
    assert.equal(zero.action.matched, 0);
    assert.equal(zero.action.success, 0);

    await dev.publishAsync('m/1', JSON.stringify({ v: 9 }), { qos: 1 });
    await eventually(() => rb.plugin.current.rule('fwd')!.stats.actionsSuccess === 4, 5000, 'the fourth row written');
    assert.deepEqual(await scrape(), { ruleMatched: 4, rulePassed: 4, actionMatched: 4, actionSuccess: 4 });
    const one = await api();
    assert.equal(one.rule.matched, 1);
    assert.equal(one.rule.passed, 1);
    assert.equal(one.action.matched, 1);
    assert.equal(one.action.success, 1);
  } finally {
    await endAll(dev);
    await rb.close();
  }
});
