import { parseRulesFile } from '../grammar/rules-file/index.js';
import type { ActionDecl, ConnectorDecl, Pos, RuleDecl, Setting, Settings } from '../grammar/rules-file/ast.js';
import { LineIndex } from '../grammar/rules-file/positions.js';
import { SqlError } from '../grammar/index.js';
import { compileRule, type CompiledRule } from './compile.js';
import { diagnosticAt, type Diagnostic } from './diagnostics.js';
import { REPUBLISH_DEFAULTS, type RepublishConfig } from '../sinks/republish.js';
import { REPUBLISH_PROPERTY_KEYS } from '../grammar/rules-file/republish.js';
import { isSettingsError, type RawSettings, type SinkRegistry, type SinkType } from '../sinks/registry.js';
import type { RawValue } from '../sinks/settings.js';

/** A connector ready to be instantiated: its validated config and a fingerprint to detect changes on reload. */
export interface PlannedConnector {
  name: string;
  type: SinkType;
  config: unknown;
  fingerprint: string;
}

export interface PlannedAction {
  name: string;
  type: SinkType;
  config: unknown;
  connector: string | null;
  /** Includes the connector's fingerprint: an action whose connector changed is rebuilt too. */
  fingerprint: string;
}

export type PlannedTarget = { kind: 'action'; name: string } | { kind: 'console' } | { kind: 'republish'; config: RepublishConfig };

export interface PlannedRule {
  name: string;
  enabled: boolean;
  description: string;
  compiled: CompiledRule;
  targets: PlannedTarget[];
}

/** Everything a rules file declares, validated and compiled, with no connection opened yet. */
export interface RulesPlan {
  connectors: PlannedConnector[];
  actions: PlannedAction[];
  rules: PlannedRule[];
  diagnostics: Diagnostic[];
}

export interface PlanOptions {
  fileName: string;
  env?: Record<string, string | undefined>;
  sinks: SinkRegistry;
}

/**
 * Parses and checks a rules file completely: statement syntax, every rule's SQL (compiled), every
 * connector's and action's settings (by its sink type). Never throws for bad input; a plan with an
 * error diagnostic must not be loaded.
 */
export function planRules(text: string, opts: PlanOptions): RulesPlan {
  const { file, diagnostics: parsed } = parseRulesFile(text, { fileName: opts.fileName, env: opts.env });
  const diagnostics: Diagnostic[] = [...parsed];
  const report: SettingsReport = { diagnostics, inValue: inValueLocator(text) };
  const connectors = new Map<string, PlannedConnector>();
  for (const decl of file.connectors) {
    const planned = planConnector(decl, opts.sinks, report);
    if (planned) connectors.set(decl.name, planned);
  }
  const actions = new Map<string, PlannedAction>();
  for (const decl of file.actions) {
    const planned = planAction(decl, opts.sinks, connectors, report);
    if (planned) actions.set(decl.name, planned);
  }
  const rules: PlannedRule[] = [];
  for (const decl of file.rules) {
    const planned = planRule(decl, diagnostics);
    if (planned) rules.push(planned);
  }
  diagnostics.sort((a, b) => a.offset - b.offset);
  return { connectors: [...connectors.values()], actions: [...actions.values()], rules, diagnostics };
}

function rawSettings(settings: Settings, skip?: string): RawSettings {
  const out: Record<string, RawValue> = {};
  for (const [k, s] of settings) if (k !== skip) out[k] = s.value;
  return out;
}

function fingerprintOf(type: string, raw: RawSettings): string {
  return JSON.stringify([
    type,
    Object.keys(raw)
      .sort()
      .map((k) => [k, raw[k]]),
  ]);
}

/** Where settings problems go, and how a problem inside a string value finds its file position. */
interface SettingsReport {
  diagnostics: Diagnostic[];
  /** The file position of character `valueOffset` of a quoted setting value; undefined for env('...') and non-strings. */
  inValue(setting: Setting, valueOffset: number): Pos | undefined;
}

function inValueLocator(text: string): SettingsReport['inValue'] {
  let lines: LineIndex | undefined;
  return (setting, valueOffset) => {
    if (setting.env !== undefined || text[setting.valuePos.offset] !== "'") return undefined;
    // Walk the literal as written: a doubled '' in the file is one ' in the value.
    let at = setting.valuePos.offset + 1;
    for (let n = 0; n < valueOffset && at < text.length; n++) at += text[at] === "'" && text[at + 1] === "'" ? 2 : 1;
    lines ??= new LineIndex(text);
    return lines.pos(at);
  };
}

/** Turns a sink type's settings error into diagnostics at the offending keys (or inside the offending value). */
function reportSettings(err: unknown, decl: ConnectorDecl | ActionDecl, kind: string, report: SettingsReport): void {
  const diagnostics = report.diagnostics;
  if (!isSettingsError(err)) {
    diagnostics.push(diagnosticAt('SETTINGS_INVALID', `${kind} '${decl.name}': ${(err as Error).message}`, decl.namePos, decl.name.length));
    return;
  }
  for (const issue of err.issues) {
    const setting = decl.settings.get(issue.key);
    const inside = setting && issue.valueOffset !== undefined ? report.inValue(setting, issue.valueOffset) : undefined;
    if (inside) diagnostics.push(diagnosticAt('SETTINGS_INVALID', issue.message, inside, 1));
    else if (setting) diagnostics.push(diagnosticAt('SETTINGS_INVALID', issue.message, setting.keyPos, issue.key.length));
    else diagnostics.push(diagnosticAt('SETTINGS_INVALID', `${kind} '${decl.name}': ${issue.message}`, decl.namePos, decl.name.length));
  }
}

function sinkTypeOf(decl: ConnectorDecl | ActionDecl, kind: string, sinks: SinkRegistry, diagnostics: Diagnostic[]): SinkType | null {
  const type = sinks.get(decl.type);
  if (!type) {
    diagnostics.push(
      diagnosticAt('SINK_UNKNOWN_TYPE', `unknown ${kind} type '${decl.type}'; expected one of: ${sinks.names().join(', ')}`, decl.typePos, decl.type.length),
    );
    return null;
  }
  return type;
}

function planConnector(decl: ConnectorDecl, sinks: SinkRegistry, report: SettingsReport): PlannedConnector | null {
  const type = sinkTypeOf(decl, 'connector', sinks, report.diagnostics);
  if (!type) return null;
  const raw = rawSettings(decl.settings);
  try {
    return { name: decl.name, type, config: type.parseConnector(raw), fingerprint: fingerprintOf(decl.type, raw) };
  } catch (err) {
    reportSettings(err, decl, 'connector', report);
    return null;
  }
}

function planAction(decl: ActionDecl, sinks: SinkRegistry, connectors: Map<string, PlannedConnector>, report: SettingsReport): PlannedAction | null {
  const diagnostics = report.diagnostics;
  const type = sinkTypeOf(decl, 'action', sinks, diagnostics);
  if (!type) return null;
  const connectorSetting = decl.settings.get('connector');
  let connector: PlannedConnector | undefined;
  // Every problem of the action is reported in one pass: an unusable connector does not hide bad settings.
  let usable = true;
  if (type.needsConnector) {
    if (!connectorSetting) {
      diagnostics.push(
        diagnosticAt(
          'SETTINGS_INVALID',
          `action '${decl.name}' of type ${decl.type} needs a \`connector\` setting naming a CREATE CONNECTOR`,
          decl.namePos,
          decl.name.length,
        ),
      );
      usable = false;
    } else {
      connector = connectors.get(String(connectorSetting.value));
      // An undeclared connector is already reported by the rules.sql checks; a declared one that failed its own checks was reported there.
      if (!connector) usable = false;
      else if (connector.type !== type) {
        diagnostics.push(
          diagnosticAt(
            'SINK_TYPE_MISMATCH',
            `action '${decl.name}' is of type ${decl.type} but connector '${connector.name}' is of type ${connector.type.type}`,
            connectorSetting.valuePos,
            String(connectorSetting.value).length + 2,
          ),
        );
        usable = false;
      }
    }
  }
  const raw = rawSettings(decl.settings);
  try {
    const config = type.parseAction(raw);
    if (!usable) return null;
    return {
      name: decl.name,
      type,
      config,
      connector: connector?.name ?? null,
      fingerprint: fingerprintOf(decl.type, raw) + (connector?.fingerprint ?? ''),
    };
  } catch (err) {
    reportSettings(err, decl, 'action', report);
    return null;
  }
}

function planRule(decl: RuleDecl, diagnostics: Diagnostic[]): PlannedRule | null {
  let compiled: CompiledRule;
  try {
    compiled = compileRule(decl.sql, { line: decl.sqlPos.line, column: decl.sqlPos.column, offset: decl.sqlPos.offset, ruleId: decl.name });
  } catch (err) {
    if (err instanceof SqlError) {
      diagnostics.push({ code: err.code, message: err.detail, line: err.line, column: err.column, offset: err.offset, length: err.length, severity: 'error' });
    } else {
      diagnostics.push(diagnosticAt('SQL_INTERNAL', `rule '${decl.name}' cannot be compiled: ${(err as Error).message}`, decl.sqlPos, 6));
    }
    return null;
  }
  for (const w of compiled.warnings) {
    diagnostics.push({ code: w.code, message: w.message, line: w.line, column: w.column, offset: w.offset, length: w.length, severity: 'warning' });
  }
  const targets: PlannedTarget[] = decl.targets.map((t) => {
    switch (t.kind) {
      case 'action':
        return { kind: 'action', name: t.name };
      case 'console':
        return { kind: 'console' };
      case 'republish': {
        const raw = rawSettings(t.settings);
        return {
          kind: 'republish',
          config: {
            topic: String(raw.topic),
            qos: (raw.qos ?? REPUBLISH_DEFAULTS.qos) as 0 | 1 | 2,
            retain: (raw.retain ?? REPUBLISH_DEFAULTS.retain) as boolean,
            payload: String(raw.payload ?? REPUBLISH_DEFAULTS.payload),
            properties: Object.fromEntries(REPUBLISH_PROPERTY_KEYS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]])),
          },
        };
      }
      default: {
        const never: never = t;
        return never;
      }
    }
  });
  return { name: decl.name, enabled: decl.enabled, description: decl.description ?? '', compiled, targets };
}
