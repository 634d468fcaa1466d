import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, hex, raises, table } from './helpers.js';

table([
  ['md5', ['hello'], '5d41402abc4b2a76b9719d911017c592'],
  ['md5', [hex('68656c6c6f')], '5d41402abc4b2a76b9719d911017c592'],
  ['sha', ['hello'], 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
  ['sha256', ['hello'], '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
  ['md5', [123], raises()],
  ['hash', ['sha1', 'hello'], 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
  ['hash', ['sha', 'hello'], 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
  ['hash', ['md5', 'hello'], '5d41402abc4b2a76b9719d911017c592'],
  ['hash', ['sha224', 'abc'], '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'],
  ['hash', ['sha3_256', 'abc'], '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532'],
  ['hash', ['shake128', 'abc'], '5881092dd818bf5cf8a3ddb793fbcba7'],
  ['hash', ['blake2s', 'abc'], '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982'],
  ['hash', ['sha512-256', 'abc'], '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23'],
  ['hash', ['nope', 'abc'], raises()],
  ['hash', ['md5', 5], raises()],
  ['gzip', ['hello'], hex('1f8b0800000000000003cb48cdc9c9070086a6103605000000')],
  ['gunzip', [hex('1F8B0800000000000013CB48CDC9C9070086A6103605000000')], Buffer.from('hello')],
  ['gunzip', ['not gzip'], raises()],
  ['zip', ['hello'], hex('cb48cdc9c90700')],
  ['unzip', [hex('CB48CDC9C90700')], Buffer.from('hello')],
  ['unzip', [hex('ffff')], raises()],
  ['zip_compress', ['hello'], hex('789ccb48cdc9c90700062c0215')],
  ['zip_uncompress', [hex('789CCB48CDC9C90700062C0215')], Buffer.from('hello')],
  ['zip_uncompress', [hex('00')], raises()],
  ['zip', [1], raises()],
]);

test('every decompressor inverts its compressor for arbitrary bytes', () => {
  for (let n = 0; n < 300; n += 37) {
    const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255));
    assert.deepEqual(call('gunzip', call('gzip', b)), b);
    assert.deepEqual(call('unzip', call('zip', b)), b);
    assert.deepEqual(call('zip_uncompress', call('zip_compress', b)), b);
  }
});

test('md5, sha and sha256 always give 32, 40 and 64 lower-case hex digits', () => {
  for (const s of ['', 'a', 'x'.repeat(1000), hex('00ff10')]) {
    assert.match(call('md5', s) as string, /^[0-9a-f]{32}$/);
    assert.match(call('sha', s) as string, /^[0-9a-f]{40}$/);
    assert.match(call('sha256', s) as string, /^[0-9a-f]{64}$/);
  }
});

test('decompression stops at maxDecompressedBytes: a double-gzipped bomb is a bad argument, not gigabytes', async () => {
  const { gzipSync, deflateRawSync, deflateSync } = await import('node:zlib');
  const { DEFAULT_MAX_DECOMPRESSED_BYTES, setMaxDecompressedBytes } = await import('../../../rules/functions/compression.js');
  const { RuleFunctionError } = await import('../../../rules/functions/errors.js');
  // 20 MiB of zeros gzipped twice is a few hundred bytes; its second gunzip would make 20 MiB.
  const zeros = Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 4 * 1024 * 1024);
  const bomb = gzipSync(gzipSync(zeros));
  assert.ok(bomb.length < 64 * 1024, `the bomb is small (${bomb.length} bytes)`);
  const once = call('gunzip', bomb) as Buffer; // the first layer is small and fine
  const tooBig = (e: unknown): boolean => e instanceof RuleFunctionError && e.code === 'FUNC_BAD_ARG' && /exceeds 16777216 bytes/.test(e.message);
  assert.throws(() => call('gunzip', once), tooBig);
  assert.throws(() => call('unzip', deflateRawSync(zeros)), tooBig);
  assert.throws(() => call('zip_uncompress', deflateSync(zeros)), tooBig);
  // Exactly at the ceiling is allowed; the setting moves the ceiling.
  assert.equal((call('gunzip', gzipSync(zeros.subarray(0, DEFAULT_MAX_DECOMPRESSED_BYTES))) as Buffer).length, DEFAULT_MAX_DECOMPRESSED_BYTES);
  setMaxDecompressedBytes(1024);
  try {
    assert.throws(
      () => call('gunzip', gzipSync(Buffer.alloc(1025))),
      (e: unknown) => e instanceof RuleFunctionError && /exceeds 1024 bytes/.test(e.message),
    );
    assert.equal((call('gunzip', gzipSync(Buffer.alloc(1024))) as Buffer).length, 1024);
    // A compressed external term states its size: past the ceiling it is refused before inflating.
    const term = call('term_encode', 'x'.repeat(2000)) as Buffer;
    const packed = Buffer.concat([Buffer.from([131, 80]), Buffer.alloc(4), deflateSync(term.subarray(1))]);
    packed.writeUInt32BE(term.length - 1, 2);
    assert.throws(() => call('term_decode', packed), /exceeds 1024 bytes/);
  } finally {
    setMaxDecompressedBytes(DEFAULT_MAX_DECOMPRESSED_BYTES);
  }
});
