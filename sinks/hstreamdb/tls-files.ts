/** Reads the connector's TLS files (ssl_ca, ssl_cert, ssl_key), naming the setting when one cannot be read. */
import { readFileSync } from 'node:fs';
import { SinkError } from '../errors.js';

export function readTlsFile(key: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SinkError('SINK_TLS_FILES', `cannot read ${key} '${file}': ${(e as Error).message}`, { cause: e });
  }
}
