import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { planRules } from '../../rules/load.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { errorsOf } from '../../rules/diagnostics.js';
import { REPO, imageRef } from './compose-support.js';

const CLI = fileURLToPath(new URL('../../broker/cli.js', import.meta.url));

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with line continuations joined; `stage` counts FROM lines (0 = before any). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = 0;
  let buf = '';
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (buf === '' && (t === '' || t.startsWith('#'))) continue;
    if (t.startsWith('#')) continue;
    buf += (buf ? ' ' : '') + t.replace(/\\$/, '').trim();
    if (t.endsWith('\\')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(buf)!;
    const op = m[1].toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: m[2], stage });
    buf = '';
  }
  return out;
}

const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const ins = parseDockerfile(dockerfile);
const lastStage = Math.max(...ins.map((i) => i.stage));
const inStage = (stage: number, op: string) => ins.filter((i) => i.stage === stage && i.op === op);
const argDefaults = Object.fromEntries(ins.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => i.args.split('=') as [string, string]));
const expandArgs = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_w, a: string, b: string) => argDefaults[a ?? b] ?? '');

/** JSON-form arguments of CMD/ENTRYPOINT/HEALTHCHECK CMD. */
function execForm(args: string): string[] {
  const at = args.indexOf('[');
  return JSON.parse(args.slice(at)) as string[];
}

describe('Dockerfile', () => {
  test('is multi-stage: a build stage with npm ci and tsc, a runtime stage with production dependencies only', () => {
    const froms = ins.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'two stages or more');
    assert.match(froms[0].args, /\bAS build$/i);
    const buildRuns = inStage(1, 'RUN')
      .map((i) => i.args)
      .join('\n');
    assert.match(buildRuns, /npm ci\b/);
    assert.match(buildRuns, /tsc -p tsconfig\.json/);
    const runtimeRuns = inStage(lastStage, 'RUN')
      .map((i) => i.args)
      .join('\n');
    assert.match(runtimeRuns, /npm ci --omit=dev\b/);
    assert.doesNotMatch(runtimeRuns, /tsc|npm install/);
    assert.ok(
      inStage(lastStage, 'COPY').some((c) => /--from=build \/app\/dist/.test(c.args)),
      'runtime copies the compiled dist/ from the build stage',
    );
  });

  test('builds on a small, pinned, supported Node.js LTS image (22 or 24)', () => {
    for (const f of ins.filter((i) => i.op === 'FROM')) {
      const image = expandArgs(f.args.split(/\s+/)[0]);
      const ref = imageRef(image);
      assert.equal(ref.repo, 'node', image);
      assert.match(ref.tag ?? '', /^(22|24)(\.\d+)*-(bookworm|bullseye)-slim$/, image);
    }
  });

  test('runs as a non-root user', () => {
    const users = inStage(lastStage, 'USER');
    assert.equal(users.length, 1);
    assert.doesNotMatch(users[0].args, /^(root|0)(:|$)/);
  });

  test('exposes MQTT, MQTT/TLS, WebSocket and HTTP, and binds the HTTP server to every interface', () => {
    const ports = new Set(inStage(lastStage, 'EXPOSE').flatMap((i) => i.args.split(/\s+/)));
    for (const p of ['1883', '8883', '8083', '18083']) assert.ok(ports.has(p), `EXPOSE ${p}`);
    const env = inStage(lastStage, 'ENV')
      .map((i) => i.args)
      .join(' ');
    assert.match(env, /RULEMQ_HTTP_HOST=0\.0\.0\.0/);
    assert.match(env, /RULEMQ_RULES=\/etc\/rulemq\/rules\.sql/);
  });

  test('has a HEALTHCHECK on /healthz with bounded timing', () => {
    const hc = inStage(lastStage, 'HEALTHCHECK');
    assert.equal(hc.length, 1);
    assert.match(hc[0].args, /--interval=\d+s --timeout=\d+s/);
    assert.ok(execForm(hc[0].args).join(' ').includes('/healthz'));
  });

  test('starts dist/broker/cli.js start, built from broker/cli.ts', () => {
    const ep = execForm(inStage(lastStage, 'ENTRYPOINT')[0].args);
    const cmd = execForm(inStage(lastStage, 'CMD')[0].args);
    assert.deepEqual([...ep, ...cmd], ['node', 'dist/broker/cli.js', 'start']);
    assert.ok(existsSync(join(REPO, 'broker/cli.ts')));
  });

  test('ships a rules file at RULEMQ_RULES that passes the checker, so the image starts without a mount', () => {
    const run = inStage(lastStage, 'RUN')
      .map((i) => i.args)
      .find((a) => a.includes('/etc/rulemq/rules.sql'));
    assert.ok(run);
    const m = /printf '%s\\n' '([^']*)'/.exec(run);
    assert.ok(m, 'placeholder written with printf');
    const plan = planRules(`${m[1]}\n`, { fileName: 'rules.sql', env: {}, sinks: createSinkRegistry() });
    assert.deepEqual(errorsOf(plan.diagnostics), []);
    assert.equal(plan.rules.length, 0);
  });

  test('COPY sources exist and are not excluded by .dockerignore', () => {
    const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const excluded = (path: string) =>
      ignore.some((p) => !p.startsWith('!') && (p === path || p === path.split('/')[0] || (p === '*.md' && /^[^/]+\.md$/.test(path))));
    for (const c of ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = c.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        assert.ok(existsSync(join(REPO, src)), `COPY ${src} exists`);
        assert.ok(!excluded(src), `COPY ${src} is not in .dockerignore`);
      }
    }
    for (const heavy of ['node_modules', 'dist', '.git', 'tests']) assert.ok(ignore.includes(heavy), `.dockerignore excludes ${heavy}`);
  });

  test('everything the runtime imports is a production dependency (npm ci --omit=dev is enough)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
      });
    let imports = 0;
    for (const dir of ['broker', 'grammar', 'rules', 'sinks']) {
      for (const file of walk(join(REPO, dir))) {
        const src = readFileSync(file, 'utf8');
        for (const m of src.matchAll(
          /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:require|resolve)\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g,
        )) {
          const spec = m[1] ?? m[2] ?? m[3];
          if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
          imports++;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
          if (!(name in pkg.dependencies)) missing.add(`${name} (${file.slice(REPO.length)})`);
        }
      }
    }
    assert.ok(imports > 5, 'found the package imports');
    assert.deepEqual([...missing], []);
  });
});

describe('the HEALTHCHECK command', () => {
  const env = inStage(lastStage, 'ENV')
    .map((i) => i.args)
    .join(' ');
  const addressFileEnv = /RULEMQ_HTTP_ADDRESS_FILE=(\S+)/.exec(env)?.[1];

  /** Runs the image's HEALTHCHECK command with the image's address-file variable pointing at `file`. */
  const probe = (file: string) =>
    new Promise<number>((resolve) => {
      const [node, ...rest] = execForm(inStage(lastStage, 'HEALTHCHECK')[0].args);
      assert.equal(node, 'node');
      const child = execFile(process.execPath, rest, { env: { PATH: process.env.PATH ?? '', RULEMQ_HTTP_ADDRESS_FILE: file }, timeout: 20_000 });
      child.on('exit', (code) => resolve(code ?? -1));
    });

  test('the image tells rulemq where to write the HTTP address', () => {
    assert.equal(addressFileEnv, '/tmp/rulemq-http-address');
  });

  for (const [how, flags, extraEnv] of [
    ['a flag', ['--http-port', '0'], {}],
    ['an environment variable', [], { RULEMQ_HTTP_PORT: '0' }],
    ['a config file', ['--config', 'CONFIG'], {}],
  ] as const) {
    test(`exits 0 against a broker whose HTTP port was set by ${how}, and 1 once it stopped`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rulemq-hc-'));
      const file = join(dir, 'http-address');
      const config = join(dir, 'rulemq.yaml');
      writeFileSync(config, 'httpPort: 0\n');
      const args = [CLI, 'start', '--host', '127.0.0.1', '--mqtt-port', '0', '--ws-port', 'off', ...flags.map((f) => (f === 'CONFIG' ? config : f))];
      const child = spawn(process.execPath, args, {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', RULEMQ_HTTP_ADDRESS_FILE: file, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((r) => child.on('exit', r));
      try {
        for (let i = 0; i < 500 && !/rulemq ready/.test(out); i++) await new Promise((r) => setTimeout(r, 20));
        const port = /"listener":"http","host":"127\.0\.0\.1","port":(\d+)/.exec(out)?.[1];
        assert.ok(port, out);
        assert.notEqual(port, '18083');
        assert.equal(readFileSync(file, 'utf8'), `http://127.0.0.1:${port}\n`);
        assert.equal(await probe(file), 0);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      assert.equal(existsSync(file), false, 'the address file is removed at exit');
      assert.equal(await probe(file), 1);
    });
  }

  test('exits 1 when the address file names a port nothing listens on', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const file = join(mkdtempSync(join(tmpdir(), 'rulemq-hc-')), 'http-address');
    writeFileSync(file, `http://127.0.0.1:${free}\n`);
    assert.equal(await probe(file), 1);
  });
});
