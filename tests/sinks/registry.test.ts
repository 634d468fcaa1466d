import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRules } from '../../rules/load.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { buildRuleSet, RuleSet } from '../../rules/rule-set.js';
import { silentLogger } from '../../common/logger.js';

const metricsFor = () => ({ observeAppendSeconds() {}, observeBatchSize() {} });

test('console and republish are INTO targets built through the registry, never CREATE ACTION types', () => {
  const sinks = createSinkRegistry();
  assert.deepEqual(sinks.names(), ['hstreamdb']);
  const plan = planRules('CREATE ACTION a TYPE console WITH (x = 1);\n', { fileName: 'r.sql', sinks });
  const err = plan.diagnostics.find((d) => d.code === 'SINK_UNKNOWN_TYPE');
  assert.ok(err, JSON.stringify(plan.diagnostics));
  assert.match(err.message, /unknown action type 'console'; expected one of: hstreamdb/);
  assert.deepEqual([err.line, err.column], [1, 22]);
});

test('a rule INTO console and republish gets one action of each type, named after the rule', () => {
  const sinks = createSinkRegistry();
  const plan = planRules(`CREATE RULE r AS SELECT * FROM "t/#" INTO console, republish(topic = 'out/\${topic}');\n`, { fileName: 'r.sql', sinks });
  assert.deepEqual(plan.diagnostics, []);
  const published: string[] = [];
  const { set } = buildRuleSet(plan, RuleSet.empty(), {
    logger: silentLogger,
    sinks,
    metricsFor,
    publisher: {
      publish: (p, cb) => {
        published.push(p.topic);
        cb();
      },
    },
  });
  const actions = set.rule('r')!.actions;
  assert.deepEqual(
    actions.map((a) => [a.name, a.type]),
    [
      ['r:console', 'console'],
      ['r:republish', 'republish'],
    ],
  );
  actions[1].send({ topic: 't/1' }, { ruleName: 'r' });
  assert.deepEqual(published, ['out/t/1']);
});
