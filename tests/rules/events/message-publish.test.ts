import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AedesPublishPacket } from 'aedes';
import { recordConnect } from '../../../rules/client-info.js';
import { compileRule } from '../../../rules/compile.js';
import { createMessageContext } from '../../../rules/context.js';
import { messagePublish, publishContext } from '../../../rules/events/message-publish.js';
import type { Client, ConnectPacket } from 'aedes';

function packet(retain: boolean, dup: boolean): AedesPublishPacket {
  return { cmd: 'publish', topic: 't/1', payload: Buffer.from('{"a":1}'), qos: 1, retain, dup, messageId: 7 } as unknown as AedesPublishPacket;
}

/** The ClientInfo of a client that connected from 10.0.0.7:5000 (an IPv4-mapped IPv6 peer) with user name 'u'. */
function connectedInfo() {
  const c = { id: 'c1', conn: { remoteAddress: '::ffff:10.0.0.7', remotePort: 5000, localAddress: '10.0.0.1', localPort: 1883 } } as unknown as Client;
  return recordConnect(c, {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId: 'c1',
    username: 'u',
  } as ConnectPacket);
}

describe('message.publish context', () => {
  it('has every column in the order of createMessageContext, from the packet and the client', () => {
    const ctx = publishContext(packet(false, false), 'c1', connectedInfo(), 'ID1', 'node@h', 1_700_000_000_000);
    assert.deepEqual(Object.keys(ctx), messagePublish.columns);
    assert.deepEqual(Object.keys(ctx), Object.keys(createMessageContext({})));
    assert.equal(ctx.clientid, 'c1');
    assert.equal(ctx.username, 'u');
    assert.equal(ctx.peerhost, '10.0.0.7');
    assert.equal(ctx.peername, '10.0.0.7:5000');
    assert.equal(ctx.id, 'ID1');
    assert.equal(ctx.qos, 1);
    assert.equal(ctx.timestamp, 1_700_000_000_000);
    assert.equal(ctx.publish_received_at, 1_700_000_000_000);
  });

  it('flags tell retain and dup apart for all four combinations', () => {
    const info = connectedInfo();
    for (const retain of [false, true]) {
      for (const dup of [false, true]) {
        assert.deepEqual(publishContext(packet(retain, dup), 'c1', info, undefined, 'n', 0).flags, { retain, dup });
      }
    }
  });

  it('a rule building a map from flags gets a copy: the flags of later messages are unchanged', () => {
    const info = connectedInfo();
    const rule = compileRule('SELECT map_put(\'seen\', true, flags) AS f, flags FROM "t/#"');
    const out = rule.evaluate(publishContext(packet(true, false), 'c1', info, undefined, 'n', 0)) as { f: unknown; flags: unknown };
    assert.deepEqual(out.f, { retain: true, dup: false, seen: true });
    assert.deepEqual(out.flags, { retain: true, dup: false });
    assert.deepEqual(publishContext(packet(true, false), 'c1', info, undefined, 'n', 0).flags, { retain: true, dup: false });
  });
});
