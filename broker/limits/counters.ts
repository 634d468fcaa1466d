import client from 'prom-client';

/**
 * Counters of the security layer, plain integers on the hot path, handed to prom-client at
 * scrape time (see broker/metrics.ts for why).
 */
export class SecurityCounters {
  /** By result: success, anonymous, bad_password, unknown_user, anonymous_refused, no_client_certificate. */
  readonly auth: Record<string, number> = Object.create(null);
  /** Denied by the ACL or the $SYS rule, by action: publish, subscribe, deliver. */
  readonly denied = { publish: 0, subscribe: 0, deliver: 0 };
  /** By limit: client_id_length, keepalive, topic_length, topic_levels, max_connections, connect_rate, publish_rate, queued_messages, inflight_inbound, ws_header, retained_messages, retained_bytes, retained_payload. */
  readonly limitHits: Record<string, number> = Object.create(null);

  authResult(result: string): void {
    this.auth[result] = (this.auth[result] ?? 0) + 1;
  }

  limit(name: string): void {
    this.limitHits[name] = (this.limitHits[name] ?? 0) + 1;
  }
}

export function registerSecurityMetrics(registry: client.Registry, counters: SecurityCounters): void {
  new client.Counter({
    name: 'rulemq_auth_total',
    help: 'CONNECT authentication outcomes, by result (success, anonymous, bad_password, unknown_user, anonymous_refused, no_client_certificate).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, n] of Object.entries(counters.auth)) this.inc({ result }, n);
    },
  });
  new client.Counter({
    name: 'rulemq_authorization_denied_total',
    help: 'Operations refused by the ACL (or the $SYS publish rule), by action: publish (dropped), subscribe (SUBACK 0x80), deliver (not forwarded).',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [action, n] of Object.entries(counters.denied)) this.inc({ action }, n);
    },
  });
  new client.Counter({
    name: 'rulemq_limit_hits_total',
    help: 'Times a configured limit refused or delayed something, by limit (client_id_length, keepalive, topic_length, topic_levels, max_connections, connect_rate, publish_rate, queued_messages, inflight_inbound, ws_header).',
    labelNames: ['limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [limit, n] of Object.entries(counters.limitHits)) this.inc({ limit }, n);
    },
  });
}
