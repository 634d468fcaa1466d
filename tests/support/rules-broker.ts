import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from './broker.js';
import { RulesPlugin, readPlan } from '../../rules/plugin.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { errorsOf, formatAll } from '../../rules/diagnostics.js';
import type { RunningBroker } from '../../broker/index.js';

export interface RulesBroker {
  broker: RunningBroker & { logs: string[] };
  plugin: RulesPlugin;
  file: string;
  mqttUrl: string;
  httpPort: number;
  /** Rewrites the rules file (the caller decides how to trigger the reload). */
  write(text: string): void;
  close(): Promise<void>;
}

/** A broker on random ports with the rules plugin loading `rulesText` from a temp file. */
export async function startRulesBroker(
  rulesText: string,
  opts: { watch?: boolean; env?: Record<string, string>; flags?: Record<string, unknown> } = {},
): Promise<RulesBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-rules-'));
  const file = join(dir, 'rules.sql');
  writeFileSync(file, rulesText);
  const sinks = createSinkRegistry();
  const { plan, text } = readPlan(file, sinks, opts.env ?? {});
  const errors = errorsOf(plan.diagnostics);
  if (errors.length > 0) throw new Error(formatAll(errors, file, text));
  const plugin = new RulesPlugin({ file, sinks, env: opts.env ?? {}, watch: opts.watch ?? false, reloadDebounceMs: 50 }, plan);
  const broker = await startTestBroker({ logLevel: 'info', ...opts.flags }, [plugin]);
  return {
    broker,
    plugin,
    file,
    mqttUrl: `mqtt://127.0.0.1:${broker.ports['mqtt-tcp']}`,
    httpPort: broker.ports.http,
    write: (t) => writeFileSync(file, t),
    close: () => broker.close(2000),
  };
}

/** Polls `check` every 10 ms until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
