/**
 * MQTT 5 properties as EMQX names them in rule columns (pub_props, conn_props, disconn_props,
 * sub_props, unsub_props, puback_props). mqtt-packet uses camelCase (userProperties...); EMQX uses
 * the spec's names ('User-Property'...) and adds 'User-Property-Pairs'. MQTT 3.1.1 packets have no
 * properties: `{}` as in EMQX.
 */
const NAMES: Readonly<Record<string, string>> = {
  payloadFormatIndicator: 'Payload-Format-Indicator',
  messageExpiryInterval: 'Message-Expiry-Interval',
  contentType: 'Content-Type',
  responseTopic: 'Response-Topic',
  correlationData: 'Correlation-Data',
  subscriptionIdentifier: 'Subscription-Identifier',
  sessionExpiryInterval: 'Session-Expiry-Interval',
  assignedClientIdentifier: 'Assigned-Client-Identifier',
  serverKeepAlive: 'Server-Keep-Alive',
  authenticationMethod: 'Authentication-Method',
  authenticationData: 'Authentication-Data',
  requestProblemInformation: 'Request-Problem-Information',
  willDelayInterval: 'Will-Delay-Interval',
  requestResponseInformation: 'Request-Response-Information',
  responseInformation: 'Response-Information',
  serverReference: 'Server-Reference',
  reasonString: 'Reason-String',
  receiveMaximum: 'Receive-Maximum',
  topicAliasMaximum: 'Topic-Alias-Maximum',
  topicAlias: 'Topic-Alias',
  maximumQoS: 'Maximum-QoS',
  retainAvailable: 'Retain-Available',
  maximumPacketSize: 'Maximum-Packet-Size',
  wildcardSubscriptionAvailable: 'Wildcard-Subscription-Available',
  subscriptionIdentifiersAvailable: 'Subscription-Identifier-Available',
  sharedSubscriptionAvailable: 'Shared-Subscription-Available',
};

/** A packet's `properties` (mqtt-packet's shape) as an EMQX property map; `{}` when there are none. */
export function emqxProps(properties: Record<string, unknown> | undefined | null): Record<string, unknown> {
  if (!properties) return {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(properties)) {
    const v = properties[k];
    if (v === undefined) continue;
    if (k === 'userProperties' && v !== null && typeof v === 'object') {
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

/** The `properties` of a packet-like object (undefined for MQTT 3.1.1 packets). */
export function propsOf(packet: unknown): Record<string, unknown> | undefined {
  const p = (packet as { properties?: Record<string, unknown> } | null | undefined)?.properties;
  return p === undefined || p === null ? undefined : p;
}
