import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PacketGuard } from '../../broker/listeners/packet-guard.js';
import { connect, malformed, PINGREQ } from '../support/wire.js';

describe('PacketGuard', () => {
  test('passes CONNECT then packets split across chunks at every byte boundary', () => {
    const publish = malformed.publishHeader(300, Buffer.alloc(300, 1));
    const stream = Buffer.concat([connect('a'), publish, PINGREQ, publish]);
    for (let cut = 1; cut < stream.length; cut++) {
      const g = new PacketGuard(1000);
      assert.equal(g.check(stream.subarray(0, cut)), null, `cut ${cut}`);
      assert.equal(g.check(stream.subarray(cut)), null, `cut ${cut}`);
    }
  });

  test('flags a packet over the limit from its header alone', () => {
    const g = new PacketGuard(1000);
    assert.equal(g.check(connect('a')), null);
    assert.equal(g.check(malformed.publishHeader(998)), 'packet_too_large');
  });

  test('counts the whole packet (header included) against the limit', () => {
    const ok = new PacketGuard(1000);
    ok.check(connect('a'));
    assert.equal(ok.check(malformed.publishHeader(997)), null);
  });

  test('flags a first packet that is not CONNECT and a 5-byte remaining length', () => {
    assert.equal(new PacketGuard(1000).check(Buffer.from([0x30, 0x00])), 'first_packet_not_connect');
    assert.equal(new PacketGuard(1 << 30).check(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01])), 'malformed_length');
  });
});
