import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * docs/architecture.md's import rules, checked on the source: each part imports only the parts its
 * row allows, so the layering the map describes stays true.
 */
const REPO = new URL('../../', import.meta.url).pathname;

/** What the rules plugin may see of the broker: the plugin, hook, router and auth-event interfaces (types only). */
const BROKER_SURFACE = new Set(['broker/index.ts', 'broker/hooks.ts', 'broker/http/router.ts', 'broker/events.ts']);

const ALLOWED: Record<string, (target: string) => boolean> = {
  common: (t) => t.startsWith('common/'),
  grammar: (t) => t.startsWith('common/') || t.startsWith('grammar/'),
  sinks: (t) => t.startsWith('common/') || t.startsWith('sinks/'),
  rules: (t) => ['common/', 'grammar/', 'sinks/', 'rules/'].some((p) => t.startsWith(p)) || BROKER_SURFACE.has(t),
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(REPO, dir))) {
    const path = join(dir, name);
    if (statSync(join(REPO, path)).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

for (const [part, allowed] of Object.entries(ALLOWED)) {
  test(`${part}/ imports only what docs/architecture.md allows it`, () => {
    const bad: string[] = [];
    for (const file of sources(part)) {
      const text = readFileSync(join(REPO, file), 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const target = relative(REPO, resolve(REPO, dirname(file), m[1])).replace(/\.js$/, '.ts');
        if (!allowed(target)) bad.push(`${file} → ${target}`);
        else if (BROKER_SURFACE.has(target) && !/^\s*(?:import|export) type\b/.test(m[0]) && target !== 'broker/events.ts')
          bad.push(`${file} → ${target} (types only)`);
      }
    }
    assert.deepEqual(bad, []);
  });
}
