import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HStreamTestServer } from '../support/hstream-server.js';
import { eventually, startRulesBroker } from '../support/rules-broker.js';
import { httpGet } from '../support/broker.js';

const rules = (port: number, stream: string) => `
CREATE CONNECTOR hs TYPE hstreamdb WITH (url = 'hstream://127.0.0.1:${port}');
CREATE ACTION to_hs TYPE hstreamdb WITH (connector = 'hs', stream = '${stream}', record_template = '{"t": \${t}}', health_check_interval = '200ms');
CREATE RULE r AS SELECT payload.t as t FROM "t/#" INTO to_hs;
`;

async function readyz(port: number): Promise<{ status: number; body: { status: string; actions: Record<string, { state: string; reason: string }> } }> {
  const res = await httpGet(port, '/readyz');
  return { status: res.status, body: JSON.parse(res.text) };
}

test("/readyz shows each action's state: ok, then stream_missing with its reason, while the broker stays ready", async () => {
  const server = new HStreamTestServer();
  const port = await server.start();
  server.createStream('present', 1);
  const ok = await startRulesBroker(rules(port, 'present'));
  const missing = await startRulesBroker(rules(port, 'absent'));
  try {
    await eventually(async () => (await readyz(ok.httpPort)).body.actions.to_hs?.state === 'ok', 5000, 'ok state');
    assert.equal((await readyz(ok.httpPort)).status, 200);
    await eventually(async () => (await readyz(missing.httpPort)).body.actions.to_hs?.state === 'stream_missing', 5000, 'stream_missing state');
    const r = await readyz(missing.httpPort);
    assert.equal(r.status, 200, 'MQTT goes on: a sink that cannot write does not make the broker unready');
    assert.match(r.body.actions.to_hs.reason, /absent/);
  } finally {
    await ok.close();
    await missing.close();
    await server.stop();
  }
});
