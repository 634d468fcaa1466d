import type { Logger } from '../common/logger.js';
import type { ActionEnv } from './contract.js';
import type { SinkType } from './registry.js';
import { ImmediateAction } from './immediate-action.js';

/** `INTO console`: logs each rule output as one JSON log line (EMQX's console action). */
export class ConsoleAction extends ImmediateAction {
  readonly type = 'console';

  constructor(
    name: string,
    private readonly logger: Logger,
  ) {
    super(name);
  }

  protected perform(row: Record<string, unknown>, env: ActionEnv, finish: (error: Error | null) => void): void {
    this.logger.info({ rule: env.ruleName, output: printable(row) }, 'rule output');
    finish(null);
  }
}

/** Buffers become text and undefined becomes "undefined", as EMQX prints them. */
function printable(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === undefined ? 'undefined' : Buffer.isBuffer(v) ? v.toString('utf8') : v;
  return out;
}

/** `INTO console`: one per rule. */
export const consoleSinkType: SinkType<never, null> = {
  type: 'console',
  needsConnector: false,
  intoTarget: true,
  parseConnector: notConfigurable,
  parseAction: notConfigurable,
  createConnector: notConfigurable,
  createAction: (name, _config, _connector, deps) => new ConsoleAction(name, deps.logger),
};

function notConfigurable(): never {
  throw new Error('console is an INTO target, not a connector or action type');
}
