import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSink, sendAll, withTestServer, type HStreamTestServer } from '../../support/hstream-server.js';
import type { Logger } from '../../../common/logger.js';

interface Line {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
  obj: Record<string, unknown>;
}

/** A logger that keeps every line (connector and action share it, as in the broker). */
function captureLogger(): { logger: Logger; lines: Line[]; count(re: RegExp): number } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (obj: object | string, msg?: string) =>
    lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? ''), obj: typeof obj === 'string' ? {} : (obj as Record<string, unknown>) });
  return {
    logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
    lines,
    count: (re) => lines.filter((l) => re.test(l.msg)).length,
  };
}

/** Waits for `n` more health-check rounds (Echo calls) of the connector: every periodic check had its chance to log. */
async function healthRounds(server: HStreamTestServer, n: number): Promise<void> {
  const from = server.calls.Echo ?? 0;
  await server.waitUntil(
    () => (server.calls.Echo ?? 0) >= from + n,
    10_000,
    () => `${n} Echo rounds`,
  );
}

test('a healthy start logs "hstreamdb connected" once and nothing about lost or restored connections', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const log = captureLogger();
    const sink = openSink(server, { stream: 's' }, { logger: log.logger });
    try {
      await sink.action.start();
      assert.equal(await sink.action.whenReady(2000), true);
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'x' }]), [null]);
      await healthRounds(server, 3);
      assert.equal(log.count(/^hstreamdb connected$/), 1, JSON.stringify(log.lines));
      assert.equal(log.count(/lost|restored|not reachable/), 0, JSON.stringify(log.lines));
      assert.deepEqual(sink.action.health(), { status: 'connected', state: 'ok', reason: '' });
    } finally {
      await sink.close();
    }
  }));

test('HStreamDB down at start logs "not reachable" (never "connection lost"), then "connected" once it is up', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    await server.stop();
    const log = captureLogger();
    const sink = openSink(server, { stream: 's' }, { logger: log.logger });
    try {
      await sink.action.start();
      assert.equal(await sink.action.whenReady(600), false);
      const h = sink.action.health();
      assert.equal(h.state, 'unreachable');
      assert.match(h.reason, /connection refused/);
      assert.equal(log.count(/not reachable/), 1, JSON.stringify(log.lines));
      assert.equal(log.lines.find((l) => /not reachable/.test(l.msg))!.level, 'warn');
      await server.start();
      assert.equal(await sink.action.whenReady(5000), true);
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'x' }]), [null]);
      assert.equal(log.count(/^hstreamdb connected$/), 1, JSON.stringify(log.lines));
      assert.equal(log.count(/connection lost|restored/), 0, JSON.stringify(log.lines));
      assert.equal(log.count(/shard discovery failed/), 0, 'the connector already said it: one line per problem');
    } finally {
      await sink.close();
    }
  }));

test('a connection lost after a good start logs "connection lost" once and "connection restored" once', () =>
  withTestServer(async (server) => {
    server.createStream('s', 1);
    const log = captureLogger();
    const sink = openSink(server, { stream: 's' }, { logger: log.logger });
    try {
      await sink.action.start();
      assert.equal(await sink.action.whenReady(2000), true);
      await server.stop();
      const t0 = Date.now();
      while (sink.connector.status() !== 'disconnected' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sink.action.health().state, 'unreachable');
      await server.start();
      assert.deepEqual(await sendAll(sink.action, [{ payload: 'x' }]), [null]);
      await healthRounds(server, 2);
      assert.deepEqual(
        [log.count(/^hstreamdb connected$/), log.count(/connection lost/), log.count(/connection restored/)],
        [1, 1, 1],
        JSON.stringify(log.lines),
      );
    } finally {
      await sink.close();
    }
  }));

for (const variant of ['NOT_FOUND', 'an empty shard list'] as const) {
  test(`a missing stream (ListShards answers ${variant}) is one clear state: one error naming the stream, no connection flapping`, () =>
    withTestServer(async (server) => {
      server.faults.missingStreamListsNoShards = variant === 'an empty shard list';
      const log = captureLogger();
      const sink = openSink(server, { stream: 'nope' }, { logger: log.logger });
      try {
        await sink.action.start();
        const [err] = await sendAll(sink.action, [{ payload: 'x' }]);
        assert.equal((err as { code?: string }).code, 'SINK_STREAM_NOT_FOUND');
        await healthRounds(server, 5); // several health checks and stream re-checks
        const missing = log.lines.filter((l) => /stream missing/.test(l.msg));
        assert.equal(missing.length, 1, JSON.stringify(log.lines));
        assert.equal(missing[0].level, 'error');
        assert.match(String(missing[0].obj.err), /stream 'nope'.*create it/);
        assert.equal(log.count(/connection lost|restored|not reachable|shard discovery failed/), 0, JSON.stringify(log.lines));
        assert.equal(log.count(/^hstreamdb connected$/), 1);
        assert.equal(sink.connector.status(), 'connected', 'the server answers: the connection is fine');
        const h = sink.action.health();
        assert.equal(h.state, 'stream_missing');
        assert.match(h.reason, /stream 'nope'/);
        server.createStream('nope', 1);
        assert.equal(await sink.action.whenReady(5000), true);
        const t0 = Date.now();
        while (sink.action.health().state !== 'ok' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(await sendAll(sink.action, [{ payload: 'y' }]), [null]);
        assert.equal(log.count(/writing resumes/), 1);
        assert.equal(sink.action.health().state, 'ok');
      } finally {
        await sink.close();
      }
    }));
}
