import { isSysTopic } from '../../common/topics.js';
import type { ParsedSettings } from './settings.js';
import { showValue } from './settings.js';
import type { Report } from './stream.js';

/**
 * Checks the settings of the built-in `republish(...)` target. This layer validates it (unlike connector/action
 * settings, which each sink type validates) because republish is part of the rule engine, not a sink plugin.
 * Absent qos/retain/payload are fine: the republish action applies its defaults.
 *
 * MQTT 5 properties of the republished message come from templates, as EMQX's republish sets them:
 * `user_properties` (a placeholder for a map, like '${pub_props.''User-Property''}' — `''` is a quote in a
 * rules.sql string), and one key per
 * property of its `mqtt_properties` map, named in snake case here (payload_format_indicator, content_type,
 * message_expiry_interval, response_topic, correlation_data).
 *
 * Not supported: EMQX's `${...}` placeholders for qos and retain.
 */
/** The MQTT 5 property settings: each a template, or a literal of its type. */
export const REPUBLISH_PROPERTY_KEYS = [
  'user_properties',
  'payload_format_indicator',
  'content_type',
  'message_expiry_interval',
  'response_topic',
  'correlation_data',
] as const;
const KNOWN = new Set<string>(['topic', 'qos', 'retain', 'payload', ...REPUBLISH_PROPERTY_KEYS]);

export function validateRepublish(parsed: ParsedSettings, at: { offset: number; length: number }, report: Report): void {
  const { settings, keys } = parsed;
  for (const [key, k] of keys) {
    if (key === 'mqtt_properties') {
      report(
        'RULES_BAD_REPUBLISH',
        `republish takes each MQTT 5 property as its own setting: ${REPUBLISH_PROPERTY_KEYS.slice(1).join(', ')}`,
        k.offset,
        k.length,
      );
    } else if (!KNOWN.has(key)) {
      report(
        'RULES_BAD_REPUBLISH',
        `republish has no setting \`${key}\`; it takes topic, qos, retain, payload and ${REPUBLISH_PROPERTY_KEYS.join(', ')}`,
        k.offset,
        k.length,
      );
    }
  }
  const bad = (key: string, message: string): void => {
    const k = keys.get(key);
    if (k !== undefined) report('RULES_BAD_REPUBLISH', message, k.valueOffset, k.valueLength);
  };

  const topic = settings.get('topic');
  if (topic === undefined) {
    if (!keys.has('topic')) {
      report('RULES_BAD_REPUBLISH', "republish needs a topic, like republish(topic = 'alerts/${clientid}')", at.offset, at.length);
    }
  } else if (typeof topic.value !== 'string') {
    bad('topic', `republish topic must be a 'string' (got ${showValue(topic.value)})`);
  } else if (topic.value === '') {
    bad('topic', 'republish topic must not be empty');
  } else {
    const wildcard = /[+#]/.exec(topic.value.replace(/\$\{[^}]*\}/g, ''));
    if (wildcard !== null) {
      bad('topic', `republish topic contains the wildcard '${wildcard[0]}'; a published topic cannot have wildcards`);
    } else if (isSysTopic(topic.value)) {
      bad('topic', 'republish topic is under $SYS, which belongs to the broker: rules cannot publish there');
    }
  }

  const qos = settings.get('qos');
  if (qos !== undefined && qos.value !== 0 && qos.value !== 1 && qos.value !== 2) {
    bad('qos', `republish qos must be 0, 1 or 2 (got ${showValue(qos.value)})`);
  }
  const retain = settings.get('retain');
  if (retain !== undefined && typeof retain.value !== 'boolean') {
    bad('retain', `republish retain must be true or false (got ${showValue(retain.value)})`);
  }
  const userProps = settings.get('user_properties');
  if (userProps !== undefined && typeof userProps.value === 'string' && !/^\$\{[^}]+\}$/.test(userProps.value.trim())) {
    bad('user_properties', "republish user_properties must be one placeholder for a map, like '${pub_props.''User-Property''}'");
  }
  const pfi = settings.get('payload_format_indicator');
  if (pfi !== undefined && pfi.value !== 0 && pfi.value !== 1 && typeof pfi.value !== 'string') {
    bad('payload_format_indicator', `republish payload_format_indicator must be 0, 1 or a template (got ${showValue(pfi.value)})`);
  }
  const expiry = settings.get('message_expiry_interval');
  if (
    expiry !== undefined &&
    typeof expiry.value !== 'string' &&
    !(Number.isInteger(expiry.value) && (expiry.value as number) >= 0 && (expiry.value as number) <= 0xffffffff)
  ) {
    bad('message_expiry_interval', `republish message_expiry_interval must be seconds from 0 to 4294967295 or a template (got ${showValue(expiry.value)})`);
  }
  for (const key of ['content_type', 'response_topic', 'correlation_data', 'user_properties'] as const) {
    const v = settings.get(key);
    if (v !== undefined && typeof v.value !== 'string') bad(key, `republish ${key} must be a 'string' template (got ${showValue(v.value)})`);
  }
  const payload = settings.get('payload');
  if (payload !== undefined && typeof payload.value !== 'string') {
    bad('payload', `republish payload must be a 'string' template, like payload = '\${payload}' (got ${showValue(payload.value)})`);
  }
}
