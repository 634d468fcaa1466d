/**
 * MQTT 5 PUBLISH properties as EMQX names them in the `pub_props` column. mqtt-packet uses
 * camelCase (userProperties...); EMQX uses the spec's names ('User-Property'...) and adds
 * 'User-Property-Pairs'. MQTT 3.1.1 packets have no properties: `{}` as in EMQX.
 */
const NAMES: Record<string, string> = {
  payloadFormatIndicator: 'Payload-Format-Indicator',
  messageExpiryInterval: 'Message-Expiry-Interval',
  contentType: 'Content-Type',
  responseTopic: 'Response-Topic',
  correlationData: 'Correlation-Data',
  topicAlias: 'Topic-Alias',
  subscriptionIdentifier: 'Subscription-Identifier',
};

export function emqxPubProps(properties: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!properties) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(properties)) {
    if (k === 'userProperties' && v && typeof v === 'object') {
      const map: Record<string, unknown> = {};
      const pairs: Array<Record<string, unknown>> = [];
      for (const [uk, uv] of Object.entries(v as Record<string, unknown>)) {
        const values = Array.isArray(uv) ? uv : [uv];
        map[uk] = values[values.length - 1];
        for (const one of values) pairs.push({ key: uk, value: one });
      }
      out['User-Property'] = map;
      out['User-Property-Pairs'] = pairs;
    } else {
      out[NAMES[k] ?? k] = Buffer.isBuffer(v) ? v.toString('utf8') : v;
    }
  }
  return out;
}
