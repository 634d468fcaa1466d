import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { BrokerHooks, HookError, STEP_ORDER } from '../../broker/hooks.js';
import { startTestBroker } from '../support/broker.js';
import { RulesPlugin, readPlan } from '../../rules/plugin.js';
import { createSinkRegistry } from '../../sinks/index.js';

const authorize = (broker: Aedes, topic: string): Promise<Error | null | undefined> =>
  new Promise((resolve) =>
    broker.authorizePublish(
      { id: 'c' } as Client,
      { cmd: 'publish', topic, qos: 1, payload: Buffer.alloc(0), retain: false, dup: false } as PublishPacket,
      resolve,
    ),
  );

test('steps run in STEP_ORDER whatever order they were provided in', async () => {
  const broker = await Aedes.createBroker();
  try {
    const hooks = new BrokerHooks();
    const ran: string[] = [];
    // Provided last-first on purpose.
    hooks.provide('authorizePublish', 'rules.ack-hold', (c, p, cb, next) => {
      ran.push('rules.ack-hold');
      next(c, p, cb);
    });
    hooks.provide('authorizePublish', 'acl.publish', (c, p, cb, next) => {
      ran.push('acl.publish');
      next(c, p, cb);
    });
    hooks.provide('authorizePublish', 'cluster.store-ready', (c, p, cb, next) => {
      ran.push('cluster.store-ready');
      next(c, p, cb);
    });
    hooks.seal(broker);
    assert.equal(await authorize(broker, 'a/b'), null);
    assert.deepEqual(ran, ['cluster.store-ready', 'acl.publish', 'rules.ack-hold']);
    assert.deepEqual(hooks.describe().authorizePublish, ['cluster.store-ready', 'acl.publish', 'rules.ack-hold']);
  } finally {
    await new Promise<void>((r) => broker.close(() => r()));
  }
});

test('a step that answers stops the chain: the steps after it never see the PUBLISH', async () => {
  const broker = await Aedes.createBroker();
  try {
    const hooks = new BrokerHooks();
    const later: string[] = [];
    hooks.provide('authorizePublish', 'limits.publish-rate', (c, p, cb, next) => (p.topic === 'denied' ? cb(new Error('refused')) : next(c, p, cb)));
    hooks.provide('authorizePublish', 'rules.ack-hold', (c, p, cb, next) => {
      later.push(p.topic);
      next(c, p, cb);
    });
    hooks.seal(broker);
    assert.equal((await authorize(broker, 'denied'))?.message, 'refused');
    assert.equal(await authorize(broker, 'ok'), null);
    assert.deepEqual(later, ['ok']);
    // With every step passed, Aedes' own rule still holds: $SYS is the broker's [MQTT-4.7.2-1].
    assert.match((await authorize(broker, '$SYS/x'))?.message ?? '', /reserved/);
  } finally {
    await new Promise<void>((r) => broker.close(() => r()));
  }
});

test('a step provided twice, or after the hooks were sealed, is refused with a coded error', async () => {
  const broker = await Aedes.createBroker();
  try {
    const hooks = new BrokerHooks();
    hooks.provide('authorizeSubscribe', 'acl.subscribe', (c, s, cb, next) => next(c, s, cb));
    assert.throws(
      () => hooks.provide('authorizeSubscribe', 'acl.subscribe', (c, s, cb, next) => next(c, s, cb)),
      (e: unknown) => e instanceof HookError && e.code === 'HOOK_STEP_INVALID' && /twice/.test(e.message),
    );
    hooks.seal(broker);
    assert.throws(() => hooks.provide('authorizeForward', 'acl.deliver', (_c, p) => p), /after the hooks were sealed/);
    assert.throws(() => hooks.seal(broker), /sealed twice/);
  } finally {
    await new Promise<void>((r) => broker.close(() => r()));
  }
});

test('a running broker composes every hook from the steps its configuration enables, in the documented order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rulemq-hooks-'));
  const aclFile = join(dir, 'acl');
  writeFileSync(aclFile, 'topic readwrite #\n');
  const rulesFile = join(dir, 'rules.sql');
  writeFileSync(rulesFile, 'CREATE RULE r AS SELECT * FROM "t/#" INTO console;\n');
  const sinks = createSinkRegistry();
  const rules = new RulesPlugin({ file: rulesFile, sinks, env: {}, watch: false }, readPlan(rulesFile, sinks, {}).plan);
  const hooksSeen: BrokerHooks[] = [];
  const spy = { name: 'spy', attach: (ctx: { hooks: BrokerHooks }) => void hooksSeen.push(ctx.hooks) };
  const broker = await startTestBroker({ aclFile, maxPublishRate: 100, maxQueuedMessages: 10 }, [rules, spy]);
  try {
    assert.deepEqual(hooksSeen[0].describe(), {
      preConnect: ['rules.record-connect', 'connect.empty-persistent-id', 'mqtt5.server-keep-alive'],
      authenticate: ['connect.empty-persistent-id', 'auth.credentials'],
      authorizePublish: ['limits.publish-rate', 'acl.publish', 'rules.ack-hold'],
      publish: ['acl.drop-denied', 'shared.dispatch'],
      authorizeSubscribe: ['shared.subscribe', 'acl.subscribe'],
      authorizeForward: ['limits.slow-subscriber', 'limits.queue', 'acl.deliver', 'metrics.sent', 'rules.message-delivered', 'shared.track'],
      published: ['metrics.received', 'rules.run'],
    });
    // Every step a running broker provides is a documented one.
    for (const [hook, names] of Object.entries(hooksSeen[0].describe())) {
      for (const name of names) assert.ok((STEP_ORDER[hook as keyof typeof STEP_ORDER] as readonly string[]).includes(name));
    }
  } finally {
    await broker.close(1000);
  }
});
