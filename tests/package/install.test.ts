import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };

/**
 * What a user gets from `npm pack` + `npm install -g ./rulemq-*.tgz`: the packed files, unpacked as npm
 * does, with the `rulemq` command linked into a bin folder on PATH and run from an unrelated folder.
 * (CI also installs the tarball globally for real; this test needs no registry.)
 */
test('the packed package runs as `rulemq` from any folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'rulemq-pack-'));
  // dist/ is already built (the tests run from it); --ignore-scripts skips the prepare build.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [packed] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = new Set(packed.files.map((f) => f.path));
  assert.equal(PKG.bin.rulemq, 'dist/broker/cli.js');
  for (const f of ['package.json', 'dist/broker/cli.js', 'dist/rules/plugin.js', 'dist/sinks/hstreamdb/client.js', 'sinks/hstreamdb/proto/hstream.proto']) {
    assert.ok(files.has(f), `${f} is in the package`);
  }
  assert.ok(![...files].some((f) => f.startsWith('dist/tests/') || f.startsWith('tests/')), 'no tests in the package');
  // A fresh clone has no dist/: packing must build it first.
  assert.match(PKG.scripts.prepack ?? PKG.scripts.prepare ?? '', /tsc/);

  const unpacked = join(work, 'lib');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', unpacked]);
  const pkgDir = join(unpacked, 'package');
  assert.match(readFileSync(join(pkgDir, PKG.bin.rulemq), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  symlinkSync(join(ROOT, 'node_modules'), join(pkgDir, 'node_modules'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  chmodSync(join(pkgDir, PKG.bin.rulemq), 0o755);
  symlinkSync(join(pkgDir, PKG.bin.rulemq), join(bin, 'rulemq'));

  const elsewhere = join(work, 'elsewhere');
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'rules.sql'), 'CREATE RULE r AS SELECT payload.t as t FROM "t/#" INTO console;\n');
  const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
  const version = spawnSync('rulemq', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout, `rulemq ${PKG.version}\n`);
  const check = spawnSync('rulemq', ['check'], { cwd: elsewhere, env, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /^rules\.sql: ok \(0 connector\(s\), 0 action\(s\), 1 rule\(s\)\)/);
});
