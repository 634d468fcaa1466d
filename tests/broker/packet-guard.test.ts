import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PacketGuard } from '../../broker/listeners/packet-guard.js';
import { connectPacket, remainingLength } from '../support/raw.js';

describe('PacketGuard', () => {
  test('passes CONNECT then packets split across chunks at every byte boundary', () => {
    const publish = Buffer.concat([Buffer.from([0x30]), remainingLength(300), Buffer.alloc(300, 1)]);
    const stream = Buffer.concat([connectPacket('a'), publish, Buffer.from([0xc0, 0x00]), publish]);
    for (let cut = 1; cut < stream.length; cut++) {
      const g = new PacketGuard(1000);
      assert.equal(g.check(stream.subarray(0, cut)), null, `cut ${cut}`);
      assert.equal(g.check(stream.subarray(cut)), null, `cut ${cut}`);
    }
  });

  test('flags a packet over the limit from its header alone', () => {
    const g = new PacketGuard(1000);
    assert.equal(g.check(connectPacket('a')), null);
    assert.equal(g.check(Buffer.concat([Buffer.from([0x30]), remainingLength(998)])), 'packet_too_large');
  });

  test('counts the whole packet (header included) against the limit', () => {
    const ok = new PacketGuard(1000);
    ok.check(connectPacket('a'));
    assert.equal(ok.check(Buffer.concat([Buffer.from([0x30]), remainingLength(997)])), null);
  });

  test('flags a first packet that is not CONNECT and a 5-byte remaining length', () => {
    assert.equal(new PacketGuard(1000).check(Buffer.from([0x30, 0x00])), 'first_packet_not_connect');
    assert.equal(new PacketGuard(1 << 30).check(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01])), 'malformed_length');
  });
});
