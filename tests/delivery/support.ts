/**
 * Shared pieces of the delivery suite (and benchmarks/faults.ts): a rules file that writes
 * `{"dev": clientid, "seq": payload.seq}` to HStreamDB, a broker running it, and the accounting of
 * lost and duplicated sequence numbers against what the test server stored.
 */
import assert from 'node:assert/strict';
import type { ActionStats } from '../../sinks/contract.js';
import type { HStreamAction } from '../../sinks/hstreamdb/sink.js';
import type { HStreamTestServer } from '../support/hstream-server.js';
import { startRulesBroker, type RulesBroker } from '../support/rules-broker.js';

export const STREAM = 'seqs';

/** Action settings of the suite unless a test overrides them: short intervals, so faults show quickly. */
const ACTION_DEFAULTS: Record<string, string | number> = { batch_interval: "'20ms'", health_check_interval: "'200ms'", grpc_flush_timeout: "'2s'" };

export interface DeliveryRulesOptions {
  port: number;
  /** Extra action settings, e.g. { ack_mode: "'sink'" } — values are written as given (quote strings). */
  action?: Record<string, string | number>;
  /** Extra connector settings, written as given. */
  connector?: Record<string, string | number>;
  /** URL scheme (default hstream). */
  scheme?: 'hstream' | 'hstreams';
  /** Topic filter of the rule (default "dev/+/seq"). */
  from?: string;
}

/** A rules file: one connector, action `to_hs` (stream `seqs`, keyed by client id), rule `seqs`. */
export function deliveryRules(o: DeliveryRulesOptions): string {
  const settings = (m: Record<string, string | number>) =>
    Object.entries(m)
      .map(([k, v]) => `,\n  ${k} = ${v}`)
      .join('');
  return `
CREATE CONNECTOR hs TYPE hstreamdb WITH (
  url = '${o.scheme ?? 'hstream'}://127.0.0.1:${o.port}',
  grpc_timeout = '1s'${settings(o.connector ?? {})}
);

CREATE ACTION to_hs TYPE hstreamdb WITH (
  connector = 'hs',
  stream = '${STREAM}',
  partition_key = '\${dev}',
  record_template = '{"dev": \${dev}, "seq": \${seq}}'${settings({ ...ACTION_DEFAULTS, ...o.action })}
);

CREATE RULE seqs AS
  SELECT clientid as dev, payload.seq as seq FROM "${o.from ?? 'dev/+/seq'}"
  INTO to_hs;
`;
}

export async function startDeliveryBroker(o: DeliveryRulesOptions): Promise<RulesBroker & { action: HStreamAction; mqttPort: number }> {
  const rb = await startRulesBroker(deliveryRules(o));
  const action = rb.plugin.current.actions.get('to_hs')!.instance as HStreamAction;
  return Object.assign(rb, { action, mqttPort: rb.broker.ports['mqtt-tcp'] });
}

/** What HStreamDB holds for one device, against what the device was told. */
export interface Accounting {
  /** Distinct sequence numbers stored. */
  stored: number;
  /** Records stored more than once (copies beyond the first). */
  duplicates: number;
  /** Acknowledged sequence numbers that are not stored. */
  ackedButLost: number[];
}

export function account(server: HStreamTestServer, dev: string, acked: ReadonlySet<number>): Accounting {
  const counts = new Map<number, number>();
  for (const r of server.records(STREAM)) {
    const v = r.value as { dev?: string; seq?: number };
    if (v.dev !== dev) continue;
    counts.set(v.seq!, (counts.get(v.seq!) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of counts.values()) duplicates += n - 1;
  const ackedButLost = [...acked].filter((s) => !counts.has(s)).sort((a, b) => a - b);
  return { stored: counts.size, duplicates, ackedButLost };
}

/** The action statistics invariant: matched = success + failed + dropped + queuing + inflight + late_reply. */
export function assertStatsInvariant(s: ActionStats): void {
  assert.equal(s.matched, s.success + s.failed + s.dropped + s.queuing + s.inflight + s.lateReply, `stats invariant: ${JSON.stringify(s)}`);
  assert.equal(
    s.dropped,
    Object.values(s.droppedByReason).reduce((a, b) => a + b, 0),
    'dropped = sum of droppedByReason',
  );
}

/** Resolves once the action holds nothing (queuing = inflight = 0); fails after `timeoutMs`. */
export async function settled(action: HStreamAction, timeoutMs = 10_000): Promise<ActionStats> {
  assert.equal(await action.whenIdle(timeoutMs), true, `action still busy: ${JSON.stringify(action.stats())}`);
  return action.stats();
}
