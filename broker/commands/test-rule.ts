import { parseArgs } from 'node:util';
import { testRule, renderRuleTestJson } from '../../rules/tester.js';

/**
 * `rulemq test-rule --sql SQL [--context JSON]`: runs one rule on one event exactly like
 * `POST /api/v5/rule_test`. Prints the output JSON; exit 0 on output, 1 on no match (412), 2 on error (400).
 */
export async function runTestRule(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { sql: { type: 'string' }, context: { type: 'string' } }, strict: true });
  if (!values.sql) {
    process.stderr.write('rulemq test-rule: --sql is required, e.g. --sql \'SELECT payload.x FROM "t/#"\'\n');
    return 2;
  }
  let context: unknown = {};
  if (values.context !== undefined) {
    try {
      context = JSON.parse(values.context);
    } catch (err) {
      process.stderr.write(`rulemq test-rule: --context is not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const res = testRule({ sql: values.sql, context });
  const out = renderRuleTestJson(res.body);
  if (res.status === 200) {
    process.stdout.write(`${out}\n`);
    return 0;
  }
  process.stderr.write(`${out}\n`);
  return res.status === 412 ? 1 : 2;
}
