import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json (which ships in the package next to dist/). */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
