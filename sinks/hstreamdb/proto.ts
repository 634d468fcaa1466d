/**
 * Loads sinks/hstreamdb/proto/hstream.proto once: a grpc-js service constructor (proto-loader,
 * 64-bit integers as decimal strings, enums as names) and a protobufjs Root for decoding record
 * bodies (used by the test server and tests). The google/protobuf imports resolve to the copies
 * bundled with protobufjs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** The proto file: next to the sources, or (from dist/) back in the source tree, which the package ships. */
export function protoPath(): string {
  const candidates = [new URL('./proto/hstream.proto', import.meta.url), new URL('../../../sinks/hstreamdb/proto/hstream.proto', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error(`hstream.proto not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

export const SERVICE_NAME = 'hstream.server.HStreamApi';

let serviceCtor: grpc.ServiceClientConstructor | undefined;

/** The HStreamApi client constructor / service definition. */
export function hstreamService(): grpc.ServiceClientConstructor {
  if (!serviceCtor) {
    const def = protoLoader.loadSync(protoPath(), {
      keepCase: true,
      longs: String, // shard and record ids are 64-bit: never JS numbers
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      hstream: { server: { HStreamApi: grpc.ServiceClientConstructor } };
    };
    serviceCtor = pkg.hstream.server.HStreamApi;
  }
  return serviceCtor;
}

let root: protobuf.Root | undefined;

/** protobufjs reflection of the same proto (plus google.protobuf.Struct), for decoding. */
export function hstreamRoot(): protobuf.Root {
  if (!root) {
    root = new protobuf.Root().loadSync(protoPath(), { keepCase: true });
    root.resolveAll();
  }
  return root;
}
