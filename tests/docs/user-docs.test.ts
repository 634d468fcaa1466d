import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { planRules } from '../../rules/load.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { errorsOf, formatAll } from '../../rules/diagnostics.js';
import { ACTION_KEYS, CONNECTOR_KEYS } from '../../sinks/hstreamdb/config.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(REPO, p), 'utf8');

/** The user-facing pages whose links and commands are checked. */
const PAGES = [
  'README.md',
  'docs/guide.md',
  'docs/migrating-from-emqx.md',
  'docs/metrics.md',
  'docs/rules.md',
  'docs/security.md',
  'docs/scaling.md',
  'docs/architecture.md',
  'compose/README.md',
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.+?)\s*$/.exec(line);
    if (m)
      out.add(
        m[1]
          .replace(/`/g, '')
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\s_-]/gu, '')
          .replace(/\s/g, '-'),
      );
  }
  return out;
}

/** Markdown links `[text](target)` outside code blocks and code spans. */
function links(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) out.push(m[1]);
  }
  return out;
}

describe('user docs', () => {
  for (const page of PAGES) {
    test(`${page}: every relative link and anchor resolves`, () => {
      const text = read(page);
      for (const link of links(text)) {
        if (/^[a-z]+:/.test(link)) continue; // http(s), mailto
        const [path, fragment] = link.split('#');
        const target = path === '' ? page : relative(REPO, join(REPO, dirname(page), path));
        assert.ok(existsSync(join(REPO, target)), `${page}: link to ${link} (${target}) does not exist`);
        if (fragment && target.endsWith('.md')) {
          assert.ok(anchors(read(target)).has(fragment), `${page}: ${link}: no heading #${fragment} in ${target}`);
        }
        if (fragment === undefined && path.endsWith('/')) assert.ok(statSync(join(REPO, target)).isDirectory());
      }
    });
  }

  test('docs/rules.md: the statements example passes rulemq check', () => {
    const md = read('docs/rules.md');
    const block = /```sql\n(-- a connection to a server[\s\S]*?)```/.exec(md);
    assert.ok(block, 'the statements example');
    const plan = planRules(block[1], { fileName: 'rules.md', env: { HSTREAM_PASSWORD: 'x' }, sinks: createSinkRegistry() });
    const errors = errorsOf(plan.diagnostics);
    assert.deepEqual(errors, [], formatAll(errors, 'rules.md', block[1]));
    assert.deepEqual(
      plan.rules.map((r) => r.name),
      ['temp_hum', 'alerts'],
    );
  });

  test('docs/migrating-from-emqx.md: the rulemq side of the example passes rulemq check', () => {
    const md = read('docs/migrating-from-emqx.md');
    const block = /```sql\n([\s\S]*?)```/.exec(md);
    assert.ok(block);
    const plan = planRules(block[1], { fileName: 'migrating.md', env: {}, sinks: createSinkRegistry() });
    assert.deepEqual(errorsOf(plan.diagnostics), []);
    assert.equal(plan.actions.length, 1);
  });

  test('docs/migrating-from-emqx.md maps every connector and action setting rulemq has', () => {
    const md = read('docs/migrating-from-emqx.md');
    const missing = [...CONNECTOR_KEYS, ...ACTION_KEYS].filter((k) => k !== 'type' && !md.includes(`\`${k}\``));
    assert.deepEqual(missing, [], 'add these settings to the mapping tables');
  });

  test('docker compose commands in the docs name compose files and services that exist', () => {
    let count = 0;
    for (const page of ['README.md', 'docs/guide.md', 'compose/README.md']) {
      const text = read(page).replace(/\\\n[ \t]*/g, ' ');
      for (const m of text.matchAll(
        /docker compose -f (compose\/[\w.-]+\.yaml) (exec|logs|kill -s HUP|restart|run --rm --no-deps|up -d(?: --build)?)((?: --tail \d+)?)[ \t]+([a-z][\w-]*)/g,
      )) {
        const [, file, verb, , service] = m;
        const services = (parse(read(file)) as { services: Record<string, unknown> }).services;
        assert.ok(service in services, `${page}: \`docker compose -f ${file} ${verb} ${service}\`: no service ${service}`);
        count++;
      }
    }
    assert.ok(count >= 8, `checked ${count} commands`);
  });

  test('the read-stream commands use the hstream CLI syntax of v0.17–v0.19 (global connection flags before the command)', () => {
    for (const page of ['docs/guide.md', 'compose/README.md']) {
      const text = read(page).replace(/\\\n\s*/g, ' ');
      const cmds = [...text.matchAll(/\bhstream (.*?stream read-stream [^\n`]*)/g)].map((m) => m[1]);
      assert.ok(cmds.length > 0, page);
      for (const c of cmds)
        assert.match(c, /^(--host \S+ --port \d+ (--tls-ca \S+ )?)?stream read-stream temp_hum --from earliest\s*$/, `${page}: hstream ${c}`);
    }
  });

  test('every log line the docs quote is one rulemq (or the compose setup) really writes', () => {
    const sources = ['broker', 'rules', 'sinks']
      .flatMap((dir) => sourceFiles(join(REPO, dir)))
      .concat(['compose/hstreamdb-tcp.yaml', 'compose/hstreamdb-tls.yaml'].map((p) => join(REPO, p)))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    let quoted = 0;
    for (const page of [...PAGES, 'docs/security.md', 'docs/scaling.md']) {
      // "logs `...`", "log says `...`", "log ends with `...`"; '...' in a quote stands for a variable part.
      for (const m of read(page).matchAll(/\blogs?(?:\s+says|\s+ends\s+with)?\s+`([^`]+)`/g)) {
        quoted++;
        for (const fragment of m[1]
          .split('...')
          .map((f) => f.trim())
          .filter(Boolean)) {
          assert.ok(sources.includes(fragment), `${page} quotes the log line \`${m[1]}\`, but no source writes '${fragment}'`);
        }
      }
    }
    assert.ok(quoted >= 3, `found ${quoted} quoted log lines`);
  });

  test('the docs name no issue numbers a reader cannot follow', () => {
    const pages = [...PAGES, 'docs/security.md', 'docs/scaling.md', 'docs/functions.md', 'benchmarks/README.md'];
    for (const page of pages) {
      const hit = /\bissues?\s*#?\d+|\(#\d+\)/i.exec(read(page));
      assert.equal(hit, null, `${page} mentions '${hit?.[0]}'`);
    }
  });

  test('files the docs have users create in the repository, and benchmark output, are git-ignored', {
    skip: existsSync(join(REPO, '.git')) ? false : 'not a git checkout',
  }, () => {
    const paths = ['rulemq.passwd', 'rulemq.acl', 'rules.sql', 'benchmarks/results/2099-01-01T00-00-00.json', 'benchmarks/results/profiles/x.cpuprofile'];
    const r = spawnSync('git', ['check-ignore', '--no-index', ...paths], { cwd: REPO, encoding: 'utf8' });
    assert.deepEqual(r.stdout.trim().split('\n'), paths, r.stderr);
    // The reference run the benchmarks README cites stays tracked.
    assert.equal(spawnSync('git', ['check-ignore', '--no-index', 'benchmarks/results/2026-11-26T16-46-13.json'], { cwd: REPO }).status, 1);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
