import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BrokerError, ConfigError, type ConfigIssue } from '../errors.js';
import { DEFAULT_RULES_FILE, SETTINGS, envName, flagName, type RulemqConfig, type SettingSpec } from './schema.js';
import { closestName } from '../../grammar/did-you-mean.js';
import { WORKER_SLOT_ENV } from '../workers/protocol.js';

type Source = ConfigIssue['source'];
type RawValue = unknown;

export interface ConfigInputs {
  /** Values from command-line flags, keyed by camelCase key (already split by the CLI). */
  flags?: Record<string, RawValue>;
  /** The environment (RULEMQ_* variables are read). */
  env?: Record<string, string | undefined>;
  /** Path of a YAML or JSON config file. */
  configFile?: string | null;
  /** Directory relative paths and the default ./rules.sql resolve against. */
  cwd?: string;
}

const BY_KEY = new Map(SETTINGS.map((s) => [s.key as string, s]));

/**
 * Builds the configuration with precedence flags > env > file > defaults, validates every key,
 * and returns it frozen. Throws ConfigError listing every problem at once.
 */
export function loadConfig(inputs: ConfigInputs = {}): RulemqConfig {
  const cwd = inputs.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];
  const layers: Array<[Source, Record<string, RawValue>]> = [];

  if (inputs.configFile) layers.push(['file', readConfigFile(resolve(cwd, inputs.configFile), issues)]);
  layers.push(['env', fromEnv(inputs.env ?? {})]);
  layers.push(['flag', inputs.flags ?? {}]);

  const out: Record<string, unknown> = {};
  const sourceOf: Record<string, Source> = {};
  for (const spec of SETTINGS) {
    out[spec.key] = spec.default;
    sourceOf[spec.key] = 'default';
  }
  for (const [source, values] of layers) {
    for (const [key, raw] of Object.entries(values)) {
      const spec = BY_KEY.get(key);
      if (!spec) {
        issues.push({ key, source, message: unknownSettingMessage(key, source) });
        continue;
      }
      const parsed = coerce(spec, raw, source);
      if (parsed.ok) {
        out[key] = parsed.value;
        sourceOf[key] = source;
      } else {
        issues.push({ key, source, message: parsed.message });
      }
    }
  }

  crossChecks(out, sourceOf, issues, cwd);
  if (issues.length > 0) throw new ConfigError(issues);
  if (!out.nodeName) out.nodeName = `rulemq@${hostname()}`;
  return Object.freeze(out) as unknown as RulemqConfig;
}

function crossChecks(out: Record<string, unknown>, sourceOf: Record<string, Source>, issues: ConfigIssue[], cwd: string): void {
  const hasCert = out.tlsCert !== null;
  const hasKey = out.tlsKey !== null;
  if (hasCert !== hasKey) {
    const missing = hasCert ? 'tlsKey' : 'tlsCert';
    const given = hasCert ? 'tlsCert' : 'tlsKey';
    issues.push({
      key: missing,
      source: sourceOf[given],
      message: `\`${missing}\` is required when \`${given}\` is set (TLS needs both a certificate and a key)`,
    });
  }
  if (out.useIdentityAsUsername === true && out.tlsVerifyClient !== true) {
    issues.push({
      key: 'useIdentityAsUsername',
      source: sourceOf.useIdentityAsUsername,
      message: '`useIdentityAsUsername` needs `tlsVerifyClient` true (the user name comes from a verified client certificate)',
    });
  }
  if (out.tlsVerifyClient === true && out.tlsCa === null) {
    issues.push({
      key: 'tlsCa',
      source: sourceOf.tlsVerifyClient,
      message: '`tlsCa` is required when `tlsVerifyClient` is true (the CA that signs client certificates)',
    });
  }
  for (const key of ['tlsCert', 'tlsKey', 'tlsCa', 'rules', 'passwordFile', 'aclFile'] as const) {
    const p = out[key];
    if (typeof p === 'string') {
      const abs = resolve(cwd, p);
      if (!existsSync(abs)) issues.push({ key, source: sourceOf[key], message: `\`${key}\` must name an existing file (got '${p}', not found at ${abs})` });
      out[key] = abs;
    }
  }
  if (out.rules === null && sourceOf.rules === 'default') {
    const candidate = resolve(cwd, DEFAULT_RULES_FILE);
    if (existsSync(candidate)) out.rules = candidate;
  }
  if (out.workers === 'auto') out.workers = availableParallelism();
  if (typeof out.workers === 'number' && out.workers > 1 && !out.redisUrl) {
    issues.push({
      key: 'workers',
      source: sourceOf.workers,
      message: `\`workers\` above 1 needs \`redisUrl\` (got ${out.workers} workers and no Redis): each worker is a node of one broker, and nodes share sessions, retained messages and pub/sub only through Redis`,
    });
  }
  if (typeof out.wsPath === 'string' && !out.wsPath.startsWith('/')) {
    issues.push({ key: 'wsPath', source: sourceOf.wsPath, message: `\`wsPath\` must start with '/' (got '${out.wsPath}')` });
  }
  const ports = ['mqttPort', 'tlsPort', 'wsPort', 'wssPort', 'httpPort'] as const;
  const seen = new Map<number, string>();
  for (const key of ports) {
    const p = out[key];
    if (typeof p === 'number' && p !== 0) {
      const other = seen.get(p);
      if (other) issues.push({ key, source: sourceOf[key], message: `\`${key}\` and \`${other}\` both use port ${p}` });
      seen.set(p, key);
    }
  }
}

/**
 * "unknown setting `mqtt_port`; did you mean `mqttPort`?" — the closest known key (same letters modulo case,
 * '_' and '-', or within edit distance 2). Without a close one, the message points at the list instead of
 * printing every key.
 */
export function unknownSettingMessage(key: string, source: Source): string {
  const bare = source === 'env' && key.startsWith('RULEMQ_') ? key.slice('RULEMQ_'.length) : key.replace(/^--/, '');
  const match = closestName(
    bare,
    SETTINGS.map((s) => s.key),
  );
  const hint = match ? `did you mean \`${displayKey(match, source)}\`?` : "run 'rulemq start --help' for the list of settings";
  return `unknown setting \`${displayKey(key, source)}\`; ${hint}`;
}

function displayKey(key: string, source: Source): string {
  if (source === 'flag') return `--${flagName(key)}`;
  if (source === 'env') return key.startsWith('RULEMQ_') ? key : envName(key);
  return key;
}

/** Environment variables under this prefix are knobs of the tests and benchmarks, not settings. */
export const TEST_ENV_PREFIX = 'RULEMQ_TEST_';

function fromEnv(env: Record<string, string | undefined>): Record<string, RawValue> {
  const out: Record<string, RawValue> = {};
  const known = new Map(SETTINGS.map((s) => [envName(s.key), s.key as string]));
  for (const [name, value] of Object.entries(env)) {
    // RULEMQ_WORKER_SLOT is how the supervisor tells a worker its place, not a setting.
    if (!name.startsWith('RULEMQ_') || value === undefined || name === 'RULEMQ_CONFIG' || name === WORKER_SLOT_ENV) continue;
    // RULEMQ_TEST_* belongs to the test suites and benchmarks (RULEMQ_TEST_FUZZ_SECONDS...), never to the broker.
    if (name.startsWith(TEST_ENV_PREFIX)) continue;
    // Unknown RULEMQ_* names are reported (a typo would otherwise be silently ignored).
    out[known.get(name) ?? name] = value;
  }
  return out;
}

function readConfigFile(path: string, issues: ConfigIssue[]): Record<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BrokerError('CONFIG_FILE_UNREADABLE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BrokerError('CONFIG_FILE_UNREADABLE', `config file ${path} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    issues.push({
      key: '(root)',
      source: 'file',
      message: `config file ${path} must hold a mapping of settings (got ${Array.isArray(doc) ? 'a list' : typeof doc})`,
    });
    return {};
  }
  return doc as Record<string, RawValue>;
}

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

function coerce(spec: SettingSpec, raw: RawValue, source: Source): Coerced {
  const name = `\`${displayKey(spec.key, source)}\``;
  const got = typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
  const t = spec.type;
  switch (t.kind) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      return { ok: false, message: `${name} must be a string (got ${got})` };
    case 'path':
      if (typeof raw === 'string' && raw.length > 0) return { ok: true, value: raw };
      return { ok: false, message: `${name} must be a file path (got ${got})` };
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === '1' || raw === 'yes') return { ok: true, value: true };
      if (raw === 'false' || raw === '0' || raw === 'no') return { ok: true, value: false };
      return { ok: false, message: `${name} must be true or false (got ${got})` };
    }
    case 'enum':
      if (typeof raw === 'string' && t.values.includes(raw)) return { ok: true, value: raw };
      return { ok: false, message: `${name} must be one of ${t.values.join('|')} (got ${got})` };
    case 'int':
    case 'intOrAuto': {
      const auto = t.kind === 'intOrAuto';
      if (auto && raw === 'auto') return { ok: true, value: 'auto' };
      const n = toInt(raw);
      if (n !== null && n >= t.min && n <= t.max) return { ok: true, value: n };
      return { ok: false, message: `${name} must be an integer from ${t.min} to ${t.max}${auto ? " or 'auto'" : ''} (got ${got})` };
    }
    case 'port': {
      if (raw === 'off' || raw === false) return { ok: true, value: null };
      const n = toInt(raw);
      if (n !== null && n >= 0 && n <= 65535) return { ok: true, value: n };
      return { ok: false, message: `${name} must be a port from 0 to 65535 (0 = chosen by the OS) or 'off' (got ${got})` };
    }
    default: {
      const never: never = t;
      return never;
    }
  }
}

function toInt(raw: RawValue): number | null {
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw : null;
  if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
  return null;
}
