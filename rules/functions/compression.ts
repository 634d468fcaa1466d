/** Compression functions (zlib). Results are binaries (Buffers); wrap them in bin2hexstr or base64_encode to print. */
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { bytes } from './args.js';
import { badArg } from './errors.js';
import type { FunctionDef } from './types.js';

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
        throw badArg(name, `invalid compressed data: ${(e as Error).message}`, e);
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
  codec('gunzip', (b) => gunzipSync(b), 'gunzip(Data): decompresses gzip data to a binary; bad data raises.'),
  codec('zip', (b) => deflateRawSync(b), "zip(Data): raw DEFLATE (no zlib header). bin2hexstr(zip('hello')) = 'CB48CDC9C90700'."),
  codec('unzip', (b) => inflateRawSync(b), "unzip(Data): inflates raw DEFLATE data. unzip(hexstr2bin('CB48CDC9C90700')) = 'hello'."),
  codec(
    'zip_compress',
    (b) => deflateSync(b),
    "zip_compress(Data): zlib format (header + Adler-32). bin2hexstr(zip_compress('hello')) = '789CCB48CDC9C90700062C0215'.",
  ),
  codec('zip_uncompress', (b) => inflateSync(b), 'zip_uncompress(Data): inflates zlib-format data; bad data raises.'),
];
