import type { ActionEnv } from './contract.js';
import { ImmediateAction } from './immediate-action.js';
import { compileTextTemplate, valueToText, type TextTemplate } from './template-text.js';
import type { SinkType } from './registry.js';
import { isSysTopic } from '../common/topics.js';

export interface RepublishConfig {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  payload: string;
  /**
   * MQTT 5 properties of the republished message by setting name (user_properties, content_type,
   * payload_format_indicator, message_expiry_interval, response_topic, correlation_data): templates,
   * or literal numbers. Absent: EMQX's default for user_properties, `${user_properties}`.
   */
  properties?: Readonly<Record<string, string | number | boolean>>;
}

/** The PUBLISH properties a republish can carry (mqtt-packet's names). */
export interface RepublishProperties {
  userProperties?: Record<string, string | string[]>;
  payloadFormatIndicator?: boolean;
  contentType?: string;
  messageExpiryInterval?: number;
  responseTopic?: string;
  correlationData?: Buffer;
}

export interface RepublishPacket {
  cmd: 'publish';
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: false;
  properties?: RepublishProperties;
}

export interface Publisher {
  publish(packet: RepublishPacket, cb: (err?: Error) => void): void;
}

export const REPUBLISH_DEFAULTS: Omit<RepublishConfig, 'topic'> = { qos: 0, retain: false, payload: '${payload}' };

/** EMQX's default for user_properties: a `user_properties` column selected by the rule, if any. */
const DEFAULT_USER_PROPERTIES = '${user_properties}';

/**
 * `republish(topic = ..., qos = ..., retain = ..., payload = ...)`: publishes the rule output back
 * into the broker. Topic and payload are `${var}` templates over the rule output. A rendered topic
 * that is empty or holds a wildcard is a failed row (it would be an invalid PUBLISH).
 */
export class RepublishAction extends ImmediateAction {
  readonly type = 'republish';
  private readonly topic: TextTemplate;
  private readonly payload: TextTemplate;
  private readonly props: PropertyTemplates;

  constructor(
    name: string,
    private readonly config: RepublishConfig,
    private readonly broker: Publisher,
  ) {
    super(name);
    this.topic = compileTextTemplate(config.topic);
    this.payload = compileTextTemplate(config.payload);
    this.props = compileProperties(config.properties ?? {});
  }

  protected perform(row: Record<string, unknown>, _env: ActionEnv, finish: (error: Error | null) => void): void {
    const topic = this.topic.render(row);
    if (topic.length === 0 || topic.includes('+') || topic.includes('#')) {
      finish(new Error(`republish topic '${topic}' is not a valid topic name`));
      return;
    }
    if (isSysTopic(topic)) {
      // A template that renders into $SYS: refused like a client's publish there [MQTT-4.7.2-1].
      finish(new Error(`republish topic '${topic}' is under $SYS, which belongs to the broker`));
      return;
    }
    const packet: RepublishPacket = {
      cmd: 'publish',
      topic,
      payload: Buffer.from(this.payload.render(row), 'utf8'),
      qos: this.config.qos,
      retain: this.config.retain,
      dup: false,
    };
    const properties = renderProperties(this.props, row);
    if (properties !== undefined) packet.properties = properties;
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

interface PropertyTemplates {
  userProperties: TextTemplate;
  payloadFormatIndicator?: TextTemplate;
  contentType?: TextTemplate;
  messageExpiryInterval?: TextTemplate;
  responseTopic?: TextTemplate;
  correlationData?: TextTemplate;
}

function compileProperties(p: Readonly<Record<string, string | number | boolean>>): PropertyTemplates {
  const t = (key: string): TextTemplate | undefined => (p[key] === undefined ? undefined : compileTextTemplate(String(p[key])));
  return {
    userProperties: compileTextTemplate(String(p.user_properties ?? DEFAULT_USER_PROPERTIES)),
    payloadFormatIndicator: t('payload_format_indicator'),
    contentType: t('content_type'),
    messageExpiryInterval: t('message_expiry_interval'),
    responseTopic: t('response_topic'),
    correlationData: t('correlation_data'),
  };
}

/**
 * The PUBLISH properties for one row, as EMQX's republish renders them: a property whose template
 * finds nothing (`undefined`) or a value of the wrong kind is left out; user properties come from a
 * map (string values; lists and other values as text). MQTT 3.1.1 subscribers never see them.
 */
function renderProperties(t: PropertyTemplates, row: Record<string, unknown>): RepublishProperties | undefined {
  let out: RepublishProperties | undefined;
  const user = t.userProperties.value(row);
  if (user !== null && typeof user === 'object' && !Array.isArray(user) && !Buffer.isBuffer(user)) {
    const map: Record<string, string> = {};
    for (const [k, v] of Object.entries(user as Record<string, unknown>)) map[k] = typeof v === 'string' ? v : valueToText(v);
    if (Object.keys(map).length > 0) (out ??= {}).userProperties = map;
  }
  const text = (tmpl: TextTemplate | undefined): string | undefined => {
    if (tmpl === undefined) return undefined;
    const v = tmpl.value(row);
    return v === undefined || v === null ? undefined : valueToText(v);
  };
  const pfi = text(t.payloadFormatIndicator);
  if (pfi === '0' || pfi === '1') (out ??= {}).payloadFormatIndicator = pfi === '1';
  const contentType = text(t.contentType);
  if (contentType !== undefined) (out ??= {}).contentType = contentType;
  const expiry = text(t.messageExpiryInterval);
  if (expiry !== undefined && /^\d+$/.test(expiry) && Number(expiry) <= 0xffffffff) (out ??= {}).messageExpiryInterval = Number(expiry);
  const responseTopic = text(t.responseTopic);
  // [MQTT-3.3.2-14] a Response Topic is a topic name: no wildcards.
  if (responseTopic !== undefined && responseTopic !== '' && !/[+#]/.test(responseTopic)) (out ??= {}).responseTopic = responseTopic;
  const correlation = text(t.correlationData);
  if (correlation !== undefined) (out ??= {}).correlationData = Buffer.from(correlation, 'utf8');
  return out;
}
