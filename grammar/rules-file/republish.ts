import type { ParsedSettings } from './settings.js';
import { showValue } from './settings.js';
import type { Report } from './stream.js';

/**
 * Checks the settings of the built-in `republish(...)` target. This layer validates it (unlike connector/action
 * settings, which each sink type validates) because republish is part of the rule engine, not a sink plugin.
 * Absent qos/retain/payload are fine: the republish action applies its defaults.
 *
 * Not supported yet: mqtt_properties, user_properties, and EMQX's `${...}` placeholders for qos and retain.
 */
const KNOWN = new Set(['topic', 'qos', 'retain', 'payload']);
const NOT_YET = new Set(['mqtt_properties', 'user_properties']);

export function validateRepublish(parsed: ParsedSettings, at: { offset: number; length: number }, report: Report): void {
  const { settings, keys } = parsed;
  for (const [key, k] of keys) {
    if (NOT_YET.has(key)) {
      report('RULES_BAD_REPUBLISH', `republish \`${key}\` is not supported yet; remove it`, k.offset, k.length);
    } else if (!KNOWN.has(key)) {
      report(
        'RULES_BAD_REPUBLISH',
        `republish has no setting \`${key}\`; it takes topic, qos, retain and payload`,
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
  const payload = settings.get('payload');
  if (payload !== undefined && typeof payload.value !== 'string') {
    bad('payload', `republish payload must be a 'string' template, like payload = '\${payload}' (got ${showValue(payload.value)})`);
  }
}
