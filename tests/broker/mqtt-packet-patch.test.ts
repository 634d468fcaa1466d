import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A fresh Node process that counts every call mqtt-packet makes to its `debug` loggers while it
 * writes and parses a CONNECT, a PUBLISH and a PUBACK, as Aedes does for every message. The count is
 * taken by wrapping the `debug` package before mqtt-packet loads.
 */
const COUNT_DEBUG_CALLS = `
const path = require.resolve('debug', { paths: [require.resolve('mqtt-packet')] });
const createDebug = require(path);
let calls = 0;
require.cache[path].exports = Object.assign(function counted(namespace) {
  const log = createDebug(namespace);
  const wrapped = (...args) => { calls++; return log(...args); };
  Object.defineProperty(wrapped, 'enabled', { get: () => log.enabled });
  return wrapped;
}, createDebug);
const mqtt = require('mqtt-packet');
const { PassThrough } = require('node:stream');
const out = new PassThrough();
const chunks = [];
out.on('data', (c) => chunks.push(c));
mqtt.writeToStream({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'c', keepalive: 60 }, out);
mqtt.writeToStream({ cmd: 'publish', topic: 'temp_hum/emqx', payload: Buffer.from('{"temp":"27.5"}'), qos: 1, messageId: 1, retain: false, dup: false }, out);
mqtt.writeToStream({ cmd: 'puback', messageId: 1 }, out);
setImmediate(() => {
  const parser = mqtt.parser();
  const seen = [];
  parser.on('packet', (p) => seen.push(p.cmd));
  parser.parse(Buffer.concat(chunks));
  process.stdout.write(JSON.stringify({ calls, seen }));
});
`;

function run(env: NodeJS.ProcessEnv): { calls: number; seen: string[]; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', COUNT_DEBUG_CALLS], { cwd: ROOT, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { ...(JSON.parse(r.stdout) as { calls: number; seen: string[] }), stderr: r.stderr };
}

test('mqtt-packet calls no debug logger on the packet path unless DEBUG names it at start-up', () => {
  const env = { ...process.env };
  delete env.DEBUG;
  const quiet = run(env);
  assert.deepEqual(quiet.seen, ['connect', 'publish', 'puback']);
  assert.equal(quiet.calls, 0);
  assert.equal(quiet.stderr, '');
});

test('DEBUG=mqtt-packet:* still logs the parser and the writer', () => {
  const loud = run({ ...process.env, DEBUG: 'mqtt-packet:*' });
  assert.deepEqual(loud.seen, ['connect', 'publish', 'puback']);
  assert.ok(loud.calls > 10, `${loud.calls} debug calls`);
  assert.match(loud.stderr, /mqtt-packet:parser/);
  assert.match(loud.stderr, /mqtt-packet:writeToStream/);
});
