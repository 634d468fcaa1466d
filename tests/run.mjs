// Runs every compiled test file (dist/tests/**/*.test.js) with node:test.
// Node 20's --test takes no globs, so the files are listed here. Extra arguments filter by substring:
//   node tests/run.mjs broker/ sinks/
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('../dist/tests/', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const sourceRoot = new URL('./', import.meta.url).pathname;
const files = walk(root)
  // A compiled test whose .ts source was renamed or deleted is stale output in dist/: skip it.
  .filter((f) => existsSync(join(sourceRoot, relative(root, f).replace(/\.js$/, '.ts'))))
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/tests (did tsc run?)');
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
