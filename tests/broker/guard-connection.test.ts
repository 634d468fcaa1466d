import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { guardConnection, type GuardSettings, type GuardedConnection } from '../../broker/listeners/guard-connection.js';
import { IncompleteBudget } from '../../broker/listeners/packet-guard.js';
import { MqttInspector, type InspectorLimits } from '../../broker/validation/inspector.js';
import { violationReply } from '../../broker/validation/violations.js';
import { eventually } from '../support/rules-broker.js';
import { rawConnect } from '../support/raw.js';
import { connect, malformed, PINGREQ } from '../support/wire.js';

const LIMITS: InspectorLimits = { maxClientIdBytes: 16, maxTopicBytes: 200, maxTopicLevels: 100, maxKeepaliveSeconds: 3600, topicAliasMaximum: 10 };

/**
 * A TCP server whose every connection is guarded with one shared settings object and read as Aedes
 * reads (`read()` on 'readable'), recording what each side of the guard saw.
 */
class GuardedServer {
  readonly server = net.createServer((socket) => this.accept(socket));
  readonly budget = new IncompleteBudget(10_000);
  readonly violations: Array<{ violation: string; transport: string; remote: string | undefined; guard: GuardedConnection }> = [];
  readonly closes: Duplex[] = [];
  /** Bytes handed to the reader behind the guard, per connection in accept order. */
  readonly delivered: Buffer[][] = [];
  bytesCounted = 0;
  readonly settings: GuardSettings = {
    maxPacketBytes: 1000,
    budget: this.budget,
    extras: {
      inspector: () => new MqttInspector(LIMITS),
      replyFor: (violation, _chunk, inspector) =>
        violationReply(violation, (inspector as MqttInspector).protocolLevel, (inspector as MqttInspector).connectDone),
    },
    onBytes: (n) => {
      this.bytesCounted += n;
    },
    onViolation: (violation, guard) => this.violations.push({ violation, transport: guard.transport, remote: guard.remoteAddress(), guard }),
    onClose: (conn) => this.closes.push(conn),
  };

  private accept(socket: net.Socket): void {
    const got: Buffer[] = [];
    this.delivered.push(got);
    guardConnection(socket, this.settings, 'tcp');
    socket.on('readable', () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) got.push(chunk);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }
}

describe('guarded connections sharing one settings object', () => {
  let s: GuardedServer;
  let port: number;
  before(async () => {
    s = new GuardedServer();
    port = await s.start();
  });
  after(() => s.server.close());

  test('each connection keeps its own guard state; every byte reaches the reader and is counted', async () => {
    const a = await rawConnect(port);
    const b = await rawConnect(port);
    const first = connect('client-a');
    // Connection a sends its CONNECT in two pieces while b sends a whole one: the guards must not mix them.
    a.socket.write(first.subarray(0, 5));
    b.socket.write(Buffer.concat([connect('client-b'), PINGREQ]));
    await eventually(() => Buffer.concat(s.delivered[1] ?? []).length === connect('client-b').length + PINGREQ.length, 5000, 'b delivered');
    a.socket.write(Buffer.concat([first.subarray(5), PINGREQ]));
    await eventually(() => Buffer.concat(s.delivered[0] ?? []).length === first.length + PINGREQ.length, 5000, 'a delivered');
    assert.deepEqual(Buffer.concat(s.delivered[0]), Buffer.concat([first, PINGREQ]));
    assert.equal(s.bytesCounted, first.length + connect('client-b').length + 2 * PINGREQ.length);
    assert.equal(s.violations.length, 0);
    a.socket.destroy();
    b.socket.destroy();
    await eventually(() => s.closes.length === 2, 5000, 'both closed');
  });

  test('a connection closed in the middle of a packet gives its share of the budget back, and onClose runs once', async () => {
    const before = s.closes.length;
    const c = await rawConnect(port);
    c.socket.write(Buffer.concat([connect('held'), malformed.publishHeader(900, Buffer.concat([malformed.field('t'), Buffer.alloc(500)]))]));
    await eventually(() => s.budget.held > 500, 5000, 'bytes held');
    c.socket.destroy();
    await eventually(() => s.closes.length === before + 1, 5000, 'closed');
    assert.equal(s.budget.held, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.closes.length, before + 1, 'one close callback per connection');
  });

  test('a violation is reported once with the transport and peer, the CONNACK is written before the close, and nothing more is read', async () => {
    const before = s.violations.length;
    const c = await rawConnect(port);
    const clientPort = c.socket.localPort;
    c.socket.write(Buffer.concat([connect('a-client-id-far-too-long'), PINGREQ]));
    await c.closed();
    assert.deepEqual([...Buffer.concat(c.received)], [0x20, 0x02, 0x00, 0x02], 'CONNACK 0x02 identifier rejected, then the close');
    assert.equal(s.violations.length, before + 1);
    const v = s.violations[before];
    assert.equal(v.violation, 'client_id_too_long'); // past maxClientIdBytes
    assert.equal(v.transport, 'tcp');
    assert.equal(v.remote, `127.0.0.1:${clientPort}`);
    assert.equal(Buffer.concat(s.delivered[s.delivered.length - 1]).length, 0, 'the refused CONNECT never reached the reader');
  });

  test('a connection whose first packet is not CONNECT is closed without a reply', async () => {
    const before = s.violations.length;
    const c = await rawConnect(port);
    c.socket.write(PINGREQ);
    await c.closed();
    assert.equal(Buffer.concat(c.received).length, 0);
    assert.equal(s.violations[before].violation, 'first_packet_not_connect');
  });
});
