import type { ActionEnv } from './contract.js';
import { ImmediateAction } from './immediate-action.js';
import { compileTextTemplate, type TextTemplate } from './template-text.js';
import type { SinkType } from './registry.js';

export interface RepublishConfig {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  payload: string;
}

export interface Publisher {
  publish(packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; dup: false }, cb: (err?: Error) => void): void;
}

export const REPUBLISH_DEFAULTS: Omit<RepublishConfig, 'topic'> = { qos: 0, retain: false, payload: '${payload}' };

/**
 * `republish(topic = ..., qos = ..., retain = ..., payload = ...)`: publishes the rule output back
 * into the broker. Topic and payload are `${var}` templates over the rule output. A rendered topic
 * that is empty or holds a wildcard is a failed row (it would be an invalid PUBLISH).
 */
export class RepublishAction extends ImmediateAction {
  readonly type = 'republish';
  private readonly topic: TextTemplate;
  private readonly payload: TextTemplate;

  constructor(
    name: string,
    private readonly config: RepublishConfig,
    private readonly broker: Publisher,
  ) {
    super(name);
    this.topic = compileTextTemplate(config.topic);
    this.payload = compileTextTemplate(config.payload);
  }

  protected perform(row: Record<string, unknown>, _env: ActionEnv, finish: (error: Error | null) => void): void {
    const topic = this.topic.render(row);
    if (topic.length === 0 || topic.includes('+') || topic.includes('#')) {
      finish(new Error(`republish topic '${topic}' is not a valid topic name`));
      return;
    }
    const packet = {
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(this.payload.render(row), 'utf8'),
      qos: this.config.qos,
      retain: this.config.retain,
      dup: false as const,
    };
    this.broker.publish(packet, (err) => finish(err ?? null));
  }
}

/** `INTO republish(...)`: built per rule from its INTO clause (its settings are parsed with the rules file). */
export const republishSinkType: SinkType<never, RepublishConfig> = {
  type: 'republish',
  needsConnector: false,
  intoTarget: true,
  parseConnector: notConfigurable,
  parseAction: notConfigurable,
  createConnector: notConfigurable,
  createAction: (name, config, _connector, deps) => {
    if (!deps.publisher) throw new Error(`republish target '${name}' needs a broker to publish to`);
    return new RepublishAction(name, config, deps.publisher);
  },
};

function notConfigurable(): never {
  throw new Error('republish is an INTO target, not a connector or action type');
}
