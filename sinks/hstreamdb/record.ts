/**
 * Turns rows into encoded `HStreamRecord`s (at `send` time, so the queue holds final bytes and
 * knows its size) and records into Append payloads: compress(encode(BatchHStreamRecords)).
 */
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { SinkError } from '../errors.js';
import type { ActionConfig, Compression } from './config.js';
import { ProtoWriter, varintSize } from './struct.js';
import { compileRecordTemplate, compileTextTemplate, type RecordTemplate, type TextTemplate } from './template.js';

/** Largest encoded BatchHStreamRecords we send in one Append (HStreamDB's limit is 1 MiB). */
export const MAX_BATCH_BYTES = 1024 * 1024;

const HEADER_TAG = 0x0a; // HStreamRecord.header = 1
const FLAG_TAG = 0x08; // HStreamRecordHeader.flag = 1
const KEY_TAG = 0x1a; // HStreamRecordHeader.key = 3
const RECORDS_TAG = 0x0a; // BatchHStreamRecords.records = 1

/** Bytes a record adds to an encoded batch (tag + length prefix + record). */
export function batchEntrySize(recordBytes: number): number {
  return 1 + varintSize(recordBytes) + recordBytes;
}

/** Renders rows into HStreamRecord bytes with one reused scratch buffer. */
export class RecordEncoder {
  readonly record: RecordTemplate;
  readonly key: TextTemplate;
  /** The partition key of the last `encode` call (saves an object per row). */
  lastKey = '';
  private readonly w = new ProtoWriter(16 * 1024);

  constructor(cfg: Pick<ActionConfig, 'partitionKey' | 'recordTemplate' | 'recordFormat'>) {
    this.record = compileRecordTemplate(cfg.recordTemplate, cfg.recordFormat);
    this.key = compileTextTemplate(cfg.partitionKey);
  }

  /** Encoded HStreamRecord for a row (a copy); throws SinkError(SINK_RECORD_UNENCODABLE / _TOO_LARGE). */
  encode(row: Readonly<Record<string, unknown>>): Buffer {
    this.encodeInPlace(row);
    return this.w.take();
  }

  /**
   * Renders a row's HStreamRecord into the encoder's scratch buffer and returns its length: the
   * record is `scratch[0, length)` until the next call (the sink copies it into its shard's slab,
   * with no Buffer per row). Throws like `encode`.
   */
  encodeInPlace(row: Readonly<Record<string, unknown>>): number {
    const w = this.w;
    w.reset();
    const key = this.key.render(row);
    this.lastKey = key;
    w.byte(HEADER_TAG);
    const at = w.begin();
    if (this.record.flag === 1) {
      w.byte(FLAG_TAG);
      w.byte(1);
    }
    if (key !== '') {
      w.byte(KEY_TAG);
      w.string(key);
    }
    w.end(at);
    try {
      this.record.writePayload(w, row);
    } catch (e) {
      if (e instanceof SinkError) throw e;
      throw new SinkError('SINK_RECORD_UNENCODABLE', `cannot render the record: ${(e as Error).message}`, { cause: e });
    }
    if (batchEntrySize(w.pos) > MAX_BATCH_BYTES) {
      throw new SinkError('SINK_RECORD_TOO_LARGE', `the record is ${w.pos} bytes once encoded; one Append carries at most ${MAX_BATCH_BYTES}`);
    }
    return w.pos;
  }

  /** The buffer `encodeInPlace` rendered into (it may be replaced by a larger one as records grow). */
  get scratch(): Buffer {
    return this.w.buf;
  }
}

/** A batch entry (BatchHStreamRecords.records tag, length, HStreamRecord) at `slab[at, at + len)`. */
export interface EntryRef {
  readonly slab: Uint8Array;
  readonly at: number;
  readonly len: number;
}

/**
 * Writes `src[0, len)` framed as a BatchHStreamRecords.records entry at `dst[p]`; returns the end.
 * `dst` must have batchEntrySize(len) bytes free at `p`.
 */
export function writeEntry(dst: Uint8Array, p: number, src: Uint8Array, len: number): number {
  dst[p++] = RECORDS_TAG;
  let n = len;
  while (n > 127) {
    dst[p++] = (n & 127) | 128;
    n = Math.floor(n / 128);
  }
  dst[p++] = n;
  if (len <= 128) {
    // Small records (the usual IoT row): a loop beats creating a view for TypedArray#set.
    for (let i = 0; i < len; i++) dst[p + i] = src[i];
  } else {
    dst.set(src.length === len ? src : src.subarray(0, len), p);
  }
  return p + len;
}

/**
 * Encodes BatchHStreamRecords from records (framed here) or from entries already framed in a slab,
 * into one exact-size buffer that owns its ArrayBuffer (never a slice of Node's pool), so it can be
 * transferred to a worker thread. Consecutive entries of one slab (a shard's rows, as the sink
 * places them) are copied in one go.
 */
export function encodeBatch(items: readonly (Uint8Array | EntryRef)[]): Buffer {
  let total = 0;
  for (const x of items) total += x instanceof Uint8Array ? batchEntrySize(x.length) : x.len;
  const out = Buffer.allocUnsafeSlow(total);
  let p = 0;
  let i = 0;
  while (i < items.length) {
    const x = items[i++];
    if (x instanceof Uint8Array) {
      p = writeEntry(out, p, x, x.length);
      continue;
    }
    const slab = x.slab;
    const start = x.at;
    let end = start + x.len;
    while (i < items.length) {
      const y = items[i];
      if (y instanceof Uint8Array || y.slab !== slab || y.at !== end) break;
      end += y.len;
      i++;
    }
    out.set(slab.subarray(start, end), p);
    p += end - start;
  }
  return out;
}

type ZstdModule = { compress(buf: Uint8Array, level?: number): Uint8Array; decompress(buf: Uint8Array): Uint8Array };
let zstd: ZstdModule | undefined;
let zstdLoading: Promise<ZstdModule> | undefined;

/**
 * Loads the zstd codec once (a WebAssembly build of libzstd shipped inside the npm package
 * @bokuweb/zstd-wasm: no native build, no download at install). Its `compress` is ZSTD_compress,
 * a one-shot frame whose header carries the content size, which HStreamDB needs.
 */
export function loadZstd(): Promise<ZstdModule> {
  zstdLoading ??= (async () => {
    type Lib = ZstdModule & { init(): Promise<void> };
    const ns = (await import('@bokuweb/zstd-wasm')) as unknown as Lib & { default?: Lib };
    const mod: Lib = typeof ns.init === 'function' ? ns : ns.default!;
    await mod.init();
    zstd = { compress: mod.compress, decompress: mod.decompress };
    return zstd;
  })();
  return zstdLoading;
}

/** Compresses an encoded batch. zstd must have been loaded with loadZstd() first. */
export function compressBatch(kind: Compression, encoded: Buffer): Buffer {
  switch (kind) {
    case 'none':
      return encoded;
    case 'gzip':
      // Level 1: several times faster than the default 6 for a few % more bytes on small JSON records.
      return gzipSync(encoded, { level: zlibConstants.Z_BEST_SPEED });
    case 'zstd': {
      if (!zstd) throw new Error('zstd codec not loaded: call loadZstd() first');
      const out = zstd.compress(encoded, 3);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
  }
}

const COMPRESSION_ENUM: Record<Compression, number> = { none: 0, gzip: 1, zstd: 2 };

function varintBytes(n: bigint): number[] {
  const out: number[] = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

/**
 * The fixed start of every AppendRequest to one shard: streamName = 1 and shardId = 2 (uint64,
 * encoded from its decimal string — shard ids never pass through a JS number). Computed once per shard.
 */
export function appendRequestPrefix(stream: string, shardId: string): Buffer {
  const name = Buffer.from(stream, 'utf8');
  return Buffer.from([0x0a, ...varintBytes(BigInt(name.length)), ...name, 0x10, ...varintBytes(BigInt.asUintN(64, BigInt(shardId)))]);
}

/**
 * Encodes AppendRequest{prefix, records = BatchedRecord{compressionType, publishTime, batchSize, payload}}
 * by hand: the payload is already final bytes, so this is a header and one copy (no protobufjs
 * object graph per batch). Checked against protobufjs decoding in the tests.
 */
export function encodeAppendRequest(prefix: Buffer, compression: Compression, batchSize: number, payload: Uint8Array, nowMs: number): Buffer {
  const seconds = Math.floor(nowMs / 1000);
  const nanos = (nowMs - seconds * 1000) * 1_000_000;
  const ts = [0x08, ...varintBytes(BigInt(seconds)), ...(nanos > 0 ? [0x10, ...varintBytes(BigInt(nanos))] : [])];
  const comp = COMPRESSION_ENUM[compression];
  const head = [
    ...(comp !== 0 ? [0x08, comp] : []),
    0x12,
    ts.length,
    ...ts,
    0x18,
    ...varintBytes(BigInt(batchSize)),
    0x22,
    ...varintBytes(BigInt(payload.length)),
  ];
  const recordsLen = head.length + payload.length;
  const lenBytes = varintBytes(BigInt(recordsLen));
  const out = Buffer.allocUnsafe(prefix.length + 1 + lenBytes.length + recordsLen);
  let p = prefix.copy(out, 0);
  out[p++] = 0x1a; // AppendRequest.records = 3
  for (const b of lenBytes) out[p++] = b;
  for (const b of head) out[p++] = b;
  out.set(payload, p);
  return out;
}
