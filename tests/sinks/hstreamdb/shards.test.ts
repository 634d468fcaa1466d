import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { HASH_SPACE_MAX, ShardMap, activeRanges, keyHash, splitKeySpace } from '../../../sinks/hstreamdb/shards.js';

test('the key hash is MD5 of the UTF-8 key read as an unsigned big-endian 128-bit integer', () => {
  assert.equal(keyHash(''), BigInt('0xd41d8cd98f00b204e9800998ecf8427e'));
  assert.equal(keyHash('dev-1'), BigInt(`0x${createHash('md5').update('dev-1').digest('hex')}`));
  assert.equal(
    keyHash('é'),
    BigInt(
      `0x${createHash('md5')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex')}`,
    ),
  );
});

test('the key space splits into contiguous inclusive ranges, the last ending at 2^128-1', () => {
  assert.deepEqual(splitKeySpace(1), [{ start: 0n, end: HASH_SPACE_MAX }]);
  const four = splitKeySpace(4);
  const cnt = HASH_SPACE_MAX / 4n;
  assert.deepEqual(four[1], { start: cnt, end: 2n * cnt - 1n });
  for (let i = 1; i < 4; i++) assert.equal(four[i].start, four[i - 1].end + 1n);
  assert.equal(four[3].end, HASH_SPACE_MAX);
});

test('keys route to the shard whose range holds their hash, bounds included', () => {
  const ranges = splitKeySpace(3).map((r, i) => ({ shardId: `${1947758763121538n * 10n + BigInt(i)}`, ...r }));
  const map = new ShardMap(ranges);
  for (const r of ranges) {
    assert.equal(map.ranges[map.indexOfHash(r.start)].shardId, r.shardId);
    assert.equal(map.ranges[map.indexOfHash(r.end)].shardId, r.shardId);
  }
  for (let i = 0; i < 200; i++) {
    const key = `k${i}`;
    const r = map.ranges[map.indexOfKey(key)];
    const h = keyHash(key);
    assert.ok(h >= r.start && h <= r.end);
    assert.equal(map.indexOfKey(key), map.indexOfHash(h)); // cached answer agrees
  }
  assert.equal(new ShardMap([]).indexOfKey('x'), -1);
});

test('only active shards are kept, sorted by range, ids kept as strings', () => {
  const [a, b] = splitKeySpace(2);
  const wire = [
    { shardId: '19477587631215382', startHashRangeKey: b.start.toString(), endHashRangeKey: b.end.toString(), isActive: true },
    { shardId: '19477587631215381', startHashRangeKey: a.start.toString(), endHashRangeKey: a.end.toString(), isActive: true },
    { shardId: '19477587631215383', startHashRangeKey: '0', endHashRangeKey: '5', isActive: false },
  ];
  const ranges = activeRanges(wire);
  assert.deepEqual(
    ranges.map((r) => r.shardId),
    ['19477587631215381', '19477587631215382'],
  );
  assert.throws(() => activeRanges([{ shardId: '1', startHashRangeKey: 'x', endHashRangeKey: '1', isActive: true }]), /malformed/);
  assert.notEqual(new ShardMap(ranges).signature, new ShardMap(ranges.slice(0, 1)).signature);
});
