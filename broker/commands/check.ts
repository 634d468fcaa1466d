import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createSinkRegistry } from '../../sinks/index.js';
import { planRules } from '../../rules/load.js';
import { errorsOf, formatAll } from '../../rules/diagnostics.js';

/**
 * `rulemq check [--connect] FILE`: validates a rules file the way start-up does (statements, SQL,
 * every setting). Prints each problem as `file:line:col: code: message` with the line and a caret.
 * Exit 0 when valid, 1 when it has errors, 2 when the file cannot be read.
 * With --connect, also opens each connector and runs its connection test.
 */
export async function runCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { connect: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const file = positionals[0] ?? 'rules.sql';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`rulemq check: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  const sinks = createSinkRegistry();
  const plan = planRules(text, { fileName: file, env: process.env, sinks });
  if (plan.diagnostics.length > 0) process.stderr.write(`${formatAll(plan.diagnostics, file, text)}\n`);
  const errors = errorsOf(plan.diagnostics);
  if (errors.length > 0) {
    process.stderr.write(`${file}: ${errors.length} error(s)\n`);
    return 1;
  }
  process.stdout.write(`${file}: ok (${plan.connectors.length} connector(s), ${plan.actions.length} action(s), ${plan.rules.length} rule(s))\n`);
  if (!values.connect) return 0;
  let failed = 0;
  for (const c of plan.connectors) {
    const silent = { info() {}, warn() {}, error() {}, debug() {} };
    const instance = c.type.createConnector(c.name, c.config, { logger: silent, metricsFor: () => ({ observeAppendSeconds() {}, observeBatchSize() {} }) });
    const streams = plan.actions
      .filter((a) => a.connector === c.name)
      .map((a) => a.type.actionTarget?.(a.config))
      .filter((s): s is string => !!s);
    try {
      for (const stream of streams.length > 0 ? streams : [undefined]) {
        const res = await instance.test(stream);
        process.stdout.write(`connector ${c.name}${stream ? ` (stream ${stream})` : ''}: ${res.ok ? 'ok' : 'FAILED'}: ${res.message}\n`);
        if (!res.ok) failed++;
      }
    } finally {
      await instance.close();
    }
  }
  return failed > 0 ? 1 : 0;
}
