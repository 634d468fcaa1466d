/**
 * Whole-file checks that run after every statement is parsed, so declaration order does not matter (an action
 * may use a connector declared later, a rule an action declared later): duplicate and reserved names, unknown
 * actions and connectors, rules without INTO, repeated INTO targets.
 */
import type { ParsedStatements } from './parser.js';
import { showValue } from './settings.js';
import type { Report } from './stream.js';
import { didYouMean } from '../did-you-mean.js';

const RESERVED_ACTION_NAMES = new Set(['CONSOLE', 'REPUBLISH']);

export function checkFile(parsed: ParsedStatements, report: Report, posOf: (offset: number) => string): void {
  const names = { connector: new Map<string, number>(), action: new Map<string, number>(), rule: new Map<string, number>() };
  for (const d of parsed.declared) {
    const seen = names[d.kind];
    const first = seen.get(d.name);
    if (first !== undefined) {
      report('RULES_DUPLICATE_NAME', `${d.kind} \`${d.name}\` is already declared at ${posOf(first)}; ${d.kind} names must be unique`, d.offset, d.name.length);
    } else {
      seen.set(d.name, d.offset);
    }
    if (d.kind === 'action' && RESERVED_ACTION_NAMES.has(d.name.toUpperCase())) {
      report(
        'RULES_RESERVED_NAME',
        `an action cannot be named \`${d.name}\`: INTO ${d.name.toLowerCase()} means the built-in target; pick another name`,
        d.offset,
        d.name.length,
      );
    }
  }

  for (const { decl, keys } of parsed.actions) {
    const connector = decl.settings.get('connector');
    const at = keys.get('connector');
    if (connector === undefined || at === undefined) continue;
    if (typeof connector.value !== 'string') {
      report(
        'RULES_BAD_VALUE',
        `\`connector\` must be a 'string' naming a CREATE CONNECTOR (got ${showValue(connector.value)})`,
        at.valueOffset,
        at.valueLength,
      );
    } else if (!names.connector.has(connector.value)) {
      report(
        'RULES_UNKNOWN_CONNECTOR',
        `action \`${decl.name}\` uses connector '${connector.value}', but no CREATE CONNECTOR ${connector.value} exists${didYouMean(connector.value, names.connector.keys())}`,
        at.valueOffset,
        at.valueLength,
      );
    }
  }

  for (const r of parsed.rules) {
    if (r.targets.length === 0) {
      report('RULES_EMPTY_RULE', `rule \`${r.name}\` has no INTO, so its output goes nowhere; add INTO console to see it`, r.namePos.offset, r.name.length);
    }
    const used = new Set<string>();
    for (const t of r.targets) {
      if (t.kind === 'republish') continue; // two republishes to different topics are normal
      const key = t.kind === 'action' ? `action:${t.name}` : 'console';
      const label = t.kind === 'action' ? t.name : 'console';
      if (used.has(key)) {
        report('RULES_DUPLICATE_TARGET', `rule \`${r.name}\` lists \`${label}\` twice in INTO, so each output is sent twice`, t.pos.offset, label.length);
      }
      used.add(key);
      if (t.kind === 'action' && !names.action.has(t.name)) {
        report(
          'RULES_UNKNOWN_ACTION',
          `rule \`${r.name}\` sends to action \`${t.name}\`, but no CREATE ACTION ${t.name} exists${didYouMean(t.name, names.action.keys())}`,
          t.pos.offset,
          t.name.length,
        );
      }
    }
  }
}
