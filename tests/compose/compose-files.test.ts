import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { planRules } from '../../rules/load.js';
import { createSinkRegistry } from '../../sinks/index.js';
import { errorsOf, formatAll } from '../../rules/diagnostics.js';
import { parseHStreamUrl } from '../../sinks/hstreamdb/url.js';
import {
  COMPOSE_DIR,
  REPO,
  commandText,
  composeFiles,
  dependsOn,
  envOf,
  imageRef,
  interpolate,
  interpolations,
  loadCompose,
  mountsOf,
  networksOf,
  versionAtLeast,
  type ComposeFile,
  type ComposeService,
} from './compose-support.js';

/** What each file must run, and which HStreamDB versions (the seed: v0.17.0+ over TCP, v0.19.3 over TLS). */
const EXPECTED: Record<string, { services: string[]; servers: string[]; hstream: (tag: string) => boolean; rules: string; tls: boolean }> = {
  'hstreamdb-tcp.yaml': {
    services: ['grafana', 'hserver', 'hstore', 'hstream-init', 'prometheus', 'rulemq', 'zookeeper'],
    servers: ['hserver'],
    hstream: (tag) => versionAtLeast(tag, 'v0.17.0'),
    rules: 'rules.sql',
    tls: false,
  },
  'hstreamdb-tls.yaml': {
    services: ['grafana', 'hserver0', 'hserver1', 'hstore', 'hstream-init', 'prometheus', 'rulemq', 'zookeeper'],
    servers: ['hserver0', 'hserver1'],
    hstream: (tag) => tag === 'v0.19.3',
    rules: 'rules-tls.sql',
    tls: true,
  },
};

/** Where each stateful service keeps its data: it must be a named volume. */
const DATA_PATHS: Record<string, string> = {
  zookeeper: '/data',
  hstore: '/data/store',
  prometheus: '/prometheus',
  grafana: '/var/lib/grafana',
};

const oneShot = (doc: ComposeFile, name: string) => Object.values(doc.services).some((s) => dependsOn(s)[name] === 'service_completed_successfully');

/** `--port N` of an hstream-server command line. */
function serverPort(s: ComposeService): number {
  const m = /hstream-server[\s\S]*?--port (\d+)/.exec(commandText(s));
  assert.ok(m, 'hstream-server command with --port');
  return Number(m[1]);
}

function httpPortOf(s: ComposeService): number {
  return Number(envOf(s).RULEMQ_HTTP_PORT ?? 18083);
}

test('the compose folder holds exactly the TCP and the TLS file', () => {
  assert.deepEqual(composeFiles(), Object.keys(EXPECTED).sort());
});

test('interpolation follows compose: $$ escapes, ${X:-d} takes its default, a variable without default is refused', () => {
  assert.equal(interpolate("awk '{print $$1}' ${P:-172.29.70}.10"), "awk '{print $1}' 172.29.70.10");
  assert.throws(() => interpolate('host: $HOST'), /has no default/);
  assert.throws(() => interpolate('host: ${HOST}'), /has no default/);
});

for (const [file, want] of Object.entries(EXPECTED)) {
  describe(`compose/${file}`, () => {
    const { raw, doc } = loadCompose(file);
    const services = doc.services;

    test('every variable has a default, so the file runs with an empty environment', () => {
      for (const v of interpolations(raw)) assert.match(v, /^\$\{[A-Za-z_][A-Za-z0-9_]*:-[^}]+\}$/, `${v} in ${file}`);
    });

    test('runs zookeeper, hstore, the HStreamDB server(s), the stream init, rulemq, Prometheus and Grafana', () => {
      assert.deepEqual(Object.keys(services).sort(), want.services);
    });

    test('every image has a pinned tag (no latest, no untagged image), rulemq included', () => {
      for (const [name, s] of Object.entries(services)) {
        assert.ok(s.image, `${name} has an image`);
        const ref = imageRef(s.image);
        assert.ok(ref.tag !== null || ref.digest !== null, `${name}: ${s.image} has no tag`);
        assert.notEqual(ref.tag, 'latest', `${name}: ${s.image}`);
        assert.match(ref.tag ?? '', /\d/, `${name}: ${s.image} tag names a version`);
      }
    });

    test('the HStreamDB images are hstreamdb/hstream of the seed version, one version per file', () => {
      const tags = new Set<string>();
      for (const name of ['hstore', 'hstream-init', ...want.servers]) {
        const ref = imageRef(services[name].image!);
        assert.equal(ref.repo, 'hstreamdb/hstream', name);
        tags.add(ref.tag!);
      }
      assert.equal(tags.size, 1, `one HStreamDB version: ${[...tags].join(', ')}`);
      assert.ok(want.hstream([...tags][0]), `version ${[...tags][0]}`);
    });

    test('every long-running service has a healthcheck; only the init step is one-shot', () => {
      for (const [name, s] of Object.entries(services)) {
        if (oneShot(doc, name)) {
          assert.equal(name, 'hstream-init');
          assert.equal(s.restart, 'no', `${name} is not restarted`);
          continue;
        }
        assert.ok(s.healthcheck && !s.healthcheck.disable, `${name} has a healthcheck`);
        const t = s.healthcheck.test;
        assert.ok(Array.isArray(t) ? t.length > 1 && ['CMD', 'CMD-SHELL'].includes(t[0]) : t.length > 0, `${name} healthcheck test`);
        assert.ok(s.restart === 'unless-stopped' || s.restart === 'always', `${name} restarts`);
      }
    });

    test('data lives in declared named volumes, and every declared volume is used', () => {
      const declared = new Set(Object.keys(doc.volumes ?? {}));
      const used = new Set<string>();
      for (const [name, s] of Object.entries(services)) {
        for (const m of mountsOf(s)) {
          if (m.kind !== 'volume') continue;
          assert.ok(declared.has(m.source), `${name} uses undeclared volume ${m.source}`);
          used.add(m.source);
        }
      }
      assert.deepEqual([...used].sort(), [...declared].sort());
      for (const [name, path] of Object.entries(DATA_PATHS)) {
        assert.ok(
          mountsOf(services[name]).some((m) => m.kind === 'volume' && m.target === path),
          `${name} keeps ${path} in a named volume`,
        );
      }
      for (const name of want.servers) {
        assert.ok(
          mountsOf(services[name]).some((m) => m.kind === 'volume' && m.target === '/data/store'),
          `${name} reads the store config`,
        );
      }
    });

    test('bind mounts point at files in compose/; certificates must exist before up (no empty directory created)', () => {
      for (const [name, s] of Object.entries(services)) {
        for (const m of mountsOf(s).filter((x) => x.kind === 'bind')) {
          assert.ok(m.source.startsWith('./'), `${name}: ${m.source} is relative to compose/`);
          assert.ok(!m.source.includes('docker.sock'), `${name} does not get the Docker socket`);
          if (m.source.startsWith('./certs')) {
            assert.equal(m.createHostPath, false, `${name}: ${m.source} sets create_host_path: false`);
            assert.ok(want.tls, 'certificates only in the TLS file');
          } else {
            assert.ok(existsSync(join(COMPOSE_DIR, m.source)), `${name}: ${m.source} exists`);
          }
        }
      }
    });

    test('services share one declared network', () => {
      const declared = Object.keys(doc.networks ?? {});
      assert.equal(declared.length, 1);
      for (const [name, s] of Object.entries(services)) assert.deepEqual(networksOf(s), declared, name);
    });

    test('the init step waits for the server(s), creates temp_hum with the hstream CLI and checks it with stream list', () => {
      const init = services['hstream-init'];
      const deps = dependsOn(init);
      for (const server of want.servers) assert.ok(server in deps, `hstream-init depends on ${server}`);
      const cmd = commandText(init);
      assert.match(cmd, /hstream --host hserver0? --port 6570 .*"\$@"/);
      assert.match(cmd, /hs stream create temp_hum --replication-factor 1 --shards 1/);
      assert.match(cmd, /hs stream list \| grep -qw temp_hum \|\| \{[^}]*exit 1; \}/);
      assert.match(cmd, /node check-running/);
      if (want.tls) {
        assert.match(cmd, /--tls-ca \/certs\/ca\.crt/);
        assert.match(cmd, /hadmin server --host hserver0 --port 26570 init/);
      }
    });

    test('rulemq is built from the repository Dockerfile and starts only after the stream exists', () => {
      const r = services.rulemq;
      const build = typeof r.build === 'string' ? { context: r.build } : r.build!;
      const context = resolve(COMPOSE_DIR, build.context);
      assert.equal(context, resolve(REPO));
      assert.ok(existsSync(join(context, build.dockerfile ?? 'Dockerfile')));
      assert.equal(dependsOn(r)['hstream-init'], 'service_completed_successfully');
      assert.ok(
        r.ports!.some((p) => /(^|:)1883:1883$/.test(p)),
        'MQTT published',
      );
      assert.ok(r.ports!.includes(`127.0.0.1:${httpPortOf(r)}:${httpPortOf(r)}`), 'HTTP published on loopback only');
    });

    test(`rulemq loads compose/${want.rules}, which passes the rules checker and targets the compose servers`, () => {
      const r = services.rulemq;
      const rulesPath = envOf(r).RULEMQ_RULES;
      assert.equal(rulesPath, '/etc/rulemq/rules.sql');
      const mount = mountsOf(r).find((m) => m.target === rulesPath);
      assert.equal(mount?.source, `./${want.rules}`);
      let text = readFileSync(join(COMPOSE_DIR, want.rules), 'utf8');
      if (want.tls) {
        // The CA path is the container's; the checker wants a readable file, so point it at one.
        const caMount = mountsOf(r).find((m) => m.source === './certs/ca.crt');
        assert.ok(caMount, 'the CA certificate is mounted into rulemq');
        assert.ok(text.includes(`ssl_ca = '${caMount.target}'`), 'rules verify against the mounted CA');
        assert.ok(!mountsOf(r).some((m) => /\.key$/.test(m.source) || m.source === './certs'), 'rulemq gets no private key');
        const ca = join(mkdtempSync(join(tmpdir(), 'rulemq-compose-')), 'ca.crt');
        writeFileSync(ca, 'placeholder');
        text = text.replaceAll(`'${caMount.target}'`, `'${ca}'`);
      }
      const plan = planRules(text, { fileName: want.rules, env: {}, sinks: createSinkRegistry() });
      const errors = errorsOf(plan.diagnostics);
      assert.deepEqual(errors, [], formatAll(errors, want.rules, text));
      assert.deepEqual(
        plan.rules.map((x) => x.name),
        ['temp_hum'],
      );
      assert.deepEqual(
        plan.actions.map((a) => (a.config as { stream: string }).stream),
        ['temp_hum'],
      );
      const url = (plan.connectors[0].config as { url: string }).url;
      const parsed = parseHStreamUrl(url);
      assert.equal(parsed.tls, want.tls, `${url} scheme`);
      assert.deepEqual(parsed.hosts.map((h) => h.host).sort(), want.servers);
      for (const h of parsed.hosts) assert.equal(h.port, serverPort(services[h.host]), `${h.host} listens on ${h.port}`);
    });

    test("Prometheus scrapes rulemq's /metrics on its HTTP port", () => {
      const p = services.prometheus;
      const cfgMount = mountsOf(p).find((m) => m.target === '/etc/prometheus/prometheus.yml');
      assert.equal(cfgMount?.source, './prometheus/prometheus.yml');
      assert.ok(commandText(p).includes('--config.file=/etc/prometheus/prometheus.yml'));
      const cfg = parse(readFileSync(join(COMPOSE_DIR, cfgMount.source), 'utf8')) as {
        scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
      };
      const jobs = cfg.scrape_configs.filter((j) => j.static_configs.some((c) => c.targets.includes(`rulemq:${httpPortOf(services.rulemq)}`)));
      assert.equal(jobs.length, 1, 'one job scrapes rulemq:18083');
      assert.equal(jobs[0].metrics_path ?? '/metrics', '/metrics');
    });

    test('Grafana gets the provisioned Prometheus datasource and the rulemq dashboard', () => {
      const g = services.grafana;
      const mounts = mountsOf(g);
      assert.ok(mounts.some((m) => m.source === './grafana/provisioning' && m.target === '/etc/grafana/provisioning'));
      const providers = parse(readFileSync(join(COMPOSE_DIR, 'grafana/provisioning/dashboards/rulemq.yaml'), 'utf8')) as {
        providers: Array<{ options: { path: string } }>;
      };
      const dash = mounts.find((m) => m.source === './grafana/rulemq.json');
      assert.ok(dash, 'dashboard mounted');
      assert.equal(dash.target, `${providers.providers[0].options.path}/rulemq.json`);
      assert.equal(envOf(g).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, dash.target);
      const ds = parse(readFileSync(join(COMPOSE_DIR, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as {
        datasources: Array<{ uid: string; url: string; type: string }>;
      };
      assert.equal(ds.datasources[0].type, 'prometheus');
      assert.equal(new URL(ds.datasources[0].url).hostname, 'prometheus');
      assert.ok(
        g.ports!.every((p) => p.startsWith('127.0.0.1:')),
        'Grafana only on loopback',
      );
    });

    if (want.tls) {
      test('each TLS node advertises its fixed address inside the declared subnet and serves TLS with the generated certificate', () => {
        const subnet = Object.values(doc.networks!)[0]!.ipam!.config![0].subnet;
        const prefix = subnet.replace(/\.0\/24$/, '');
        assert.match(subnet, /^\d+\.\d+\.\d+\.0\/24$/);
        const gen = readFileSync(join(COMPOSE_DIR, 'gen-certs.sh'), 'utf8');
        assert.ok(gen.includes(`HSTREAM_SUBNET_PREFIX:-${prefix}}`), 'gen-certs.sh uses the same default subnet');
        for (const name of want.servers) {
          const s = services[name];
          const ip = (s.networks as Record<string, { ipv4_address: string }>)[Object.keys(doc.networks!)[0]].ipv4_address;
          assert.ok(ip.startsWith(`${prefix}.`), `${name} ${ip} in ${subnet}`);
          const cmd = commandText(s);
          assert.ok(cmd.includes(`--advertised-address ${ip} `), `${name} advertises ${ip}`);
          assert.match(cmd, /--enable-tls \\\s+--tls-cert-path \/certs\/hstream\.crt \\\s+--tls-key-path \/certs\/hstream\.key/);
          assert.ok(mountsOf(s).some((m) => m.source === './certs' && m.target === '/certs'));
        }
      });
    }
  });
}
