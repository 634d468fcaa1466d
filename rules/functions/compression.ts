/**
 * Compression functions (zlib). Results are binaries (Buffers); wrap them in bin2hexstr or base64_encode to print.
 * Decompression stops at a ceiling (the `maxDecompressedBytes` setting): a few KB of nested gzip can otherwise
 * expand to gigabytes inside one rule run. zlib itself stops at `maxOutputLength`, so the ceiling bounds memory too.
 */
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { bytes } from './args.js';
import { badArg } from './errors.js';
import type { FunctionDef } from './types.js';

/** The default ceiling of one decompression's output (16 MiB), as the config schema documents it. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

const limit: ZlibOptions = { maxOutputLength: DEFAULT_MAX_DECOMPRESSED_BYTES };

/** Sets the ceiling of one decompression's output, in bytes (from the `maxDecompressedBytes` setting). */
export function setMaxDecompressedBytes(n: number): void {
  limit.maxOutputLength = n;
}

/** Options for a bounded zlib decompression (term_decode shares them). */
export function decompressLimit(): ZlibOptions {
  return limit;
}

/** Turns zlib's "output too large" into a clear message; other errors are bad data. */
export function decompressError(fn: string, e: unknown): Error {
  if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    return badArg(fn, `decompressed data exceeds ${limit.maxOutputLength} bytes (the maxDecompressedBytes setting)`, e);
  }
  return badArg(fn, `invalid compressed data: ${(e as Error).message}`, e);
}

function codec(name: string, f: (b: Buffer) => Buffer, doc: string): FunctionDef {
  return {
    name,
    minArity: 1,
    maxArity: 1,
    impl: (v) => {
      const input = bytes(name, v);
      try {
        return f(input);
      } catch (e) {
        throw decompressError(name, e);
      }
    },
    doc,
  };
}

export const compressionFunctions: FunctionDef[] = [
  codec(
    'gzip',
    (b) => gzipSync(b),
    "gzip(Data): gzip-compressed binary (header and CRC). bin2hexstr(gzip('hello')) = " +
      "'1F8B0800000000000003CB48CDC9C9070086A6103605000000'; the header's OS byte is 03 (Unix) as on EMQX for " +
      'Linux (the docs show 13, from a macOS build).',
  ),
  codec(
    'gunzip',
    (b) => gunzipSync(b, limit),
    'gunzip(Data): decompresses gzip data to a binary; bad data raises, and so does output past the ' + 'maxDecompressedBytes setting (16 MiB by default).',
  ),
  codec('zip', (b) => deflateRawSync(b), "zip(Data): raw DEFLATE (no zlib header). bin2hexstr(zip('hello')) = 'CB48CDC9C90700'."),
  codec(
    'unzip',
    (b) => inflateRawSync(b, limit),
    "unzip(Data): inflates raw DEFLATE data. unzip(hexstr2bin('CB48CDC9C90700')) = 'hello'. Output past the " + 'maxDecompressedBytes setting raises.',
  ),
  codec(
    'zip_compress',
    (b) => deflateSync(b),
    "zip_compress(Data): zlib format (header + Adler-32). bin2hexstr(zip_compress('hello')) = '789CCB48CDC9C90700062C0215'.",
  ),
  codec(
    'zip_uncompress',
    (b) => inflateSync(b, limit),
    'zip_uncompress(Data): inflates zlib-format data; bad data raises, and so does output past the ' + 'maxDecompressedBytes setting.',
  ),
];
