import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../broker/config/load.js';
import { createLogger } from '../../broker/logger.js';
import { startRulemq, type BrokerPlugin, type RunningBroker } from '../../broker/index.js';
import { createCluster, type ClusterPlugin } from '../../broker/cluster/index.js';
import { RulesPlugin, readPlan } from '../../rules/plugin.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { errorsOf, formatAll } from '../../rules/diagnostics.js';
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { connectClient, endAll } from '../support/mqtt.js';

/**
 * One rule that republishes every matching message once; `counted/#` is also read by subscribers,
 * so a rule run on more than one node would show up both in the rule metrics and as extra messages.
 */
export const RULE_ONCE = `
CREATE RULE once AS SELECT payload, clientid FROM "counted/#"
  INTO republish(topic = 'echoed/\${clientid}', qos = 1, payload = '\${payload}');
`;

/** MQTT clients of a suite: `connect` to a node, and `endAll` in its `after`. */
export function suiteClients() {
  const clients: MqttClient[] = [];
  return {
    /** For clients made elsewhere (e.g. with manualConnect) that must also be ended. */
    track(cl: MqttClient): MqttClient {
      clients.push(cl);
      return cl;
    },
    async connect(node: TestNode, opts: Parameters<typeof connectClient>[1] = {}): Promise<MqttClient> {
      const cl = await connectClient(node.mqttUrl, opts);
      clients.push(cl);
      return cl;
    },
    /**
     * A persistent session coming back on `node`: it listens before CONNECT (the queued messages follow
     * the CONNACK at once), the CONNACK must say the session is present, and `payloads` collects the
     * distinct payloads on topics starting with `prefix` (QoS 1 allows duplicates and another order).
     */
    async resume(node: TestNode, opts: IClientOptions, prefix: string): Promise<{ client: MqttClient; payloads: Set<string> }> {
      const cl = mqtt.connect(node.mqttUrl, { ...opts, reconnectPeriod: 0, manualConnect: true });
      clients.push(cl);
      const payloads = new Set<string>();
      cl.on('message', (topic, payload) => {
        if (topic.startsWith(prefix)) payloads.add(payload.toString());
      });
      const connack = new Promise<{ sessionPresent: boolean }>((resolve) => cl.once('connect', (ack) => resolve(ack as { sessionPresent: boolean })));
      cl.connect();
      assert.equal((await connack).sessionPresent, true, 'the session is present on the new node');
      return { client: cl, payloads };
    },
    endAll: () => endAll(...clients),
  };
}

export interface TestNode {
  readonly name: string;
  readonly running: RunningBroker;
  readonly cluster: ClusterPlugin;
  readonly rules: RulesPlugin | null;
  readonly mqttUrl: string;
  readonly httpPort: number;
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * One rulemq node of a test cluster, in this process: MQTT and HTTP on OS-chosen ports of
 * 127.0.0.1, sharing `redisUrl`; with `rules`, the rules plugin loads that text from a temp file.
 */
export async function startNode(name: string, redisUrl: string, opts: { rules?: string; maxBackoffMs?: number } = {}): Promise<TestNode> {
  const config = loadConfig({
    flags: { host: '127.0.0.1', mqttPort: 0, wsPort: 'off', tlsPort: 'off', wssPort: 'off', httpPort: 0, logLevel: 'info', nodeName: name, redisUrl },
    env: {},
    cwd: process.cwd(),
  });
  const logs: string[] = [];
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  );
  const plugins: BrokerPlugin[] = [];
  let rules: RulesPlugin | null = null;
  if (opts.rules !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), 'rulemq-cluster-')), 'rules.sql');
    writeFileSync(file, opts.rules);
    const sinks = createSinkRegistry();
    const { plan, text } = readPlan(file, sinks, {});
    const errors = errorsOf(plan.diagnostics);
    if (errors.length > 0) throw new Error(formatAll(errors, file, text));
    rules = new RulesPlugin({ file, sinks, env: {}, watch: false }, plan);
    plugins.push(rules);
  }
  const cluster = await createCluster(config, logger, { startupWaitMs: 5000, maxBackoffMs: opts.maxBackoffMs ?? 500 });
  if (!cluster) throw new Error('createCluster returned null although redisUrl is set');
  plugins.push(cluster.plugin);
  const running = await startRulemq({ config, logger, plugins, aedes: cluster.aedes, sharedRedis: cluster.store });
  return {
    name,
    running,
    cluster: cluster.plugin,
    rules,
    mqttUrl: `mqtt://127.0.0.1:${running.ports['mqtt-tcp']}`,
    httpPort: running.ports.http,
    logs,
    close: () => running.close(1000),
  };
}
