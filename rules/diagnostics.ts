import { formatDiagnostic, type RulesFileDiagnostic } from '../grammar/rules-file/index.js';
import type { Pos } from '../grammar/rules-file/ast.js';

/**
 * A problem found while loading a rules file, whatever stage found it: the rules.sql parser
 * (RULES_*), the SQL compiler (SQL_*) or a sink type's settings check (SETTINGS_INVALID,
 * SINK_UNKNOWN_TYPE...). Always carries a file position.
 */
export interface Diagnostic {
  code: string;
  message: string;
  line: number;
  column: number;
  offset: number;
  length: number;
  severity: 'error' | 'warning';
}

export const LOADER_CODES = {
  SINK_UNKNOWN_TYPE: 'A connector or action names a TYPE that rulemq does not know.',
  SETTINGS_INVALID: 'A connector or action setting is unknown, missing or has a bad value for its type.',
  SINK_TYPE_MISMATCH: "An action's connector is of another type than the action.",
  RULES_FILE_UNREADABLE: 'The rules file cannot be read.',
} as const;

export function diagnosticAt(code: string, message: string, pos: Pos, length: number, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { code, message, line: pos.line, column: pos.column, offset: pos.offset, length, severity };
}

export function formatOne(d: Diagnostic, fileName: string, text: string): string {
  return formatDiagnostic(d as unknown as RulesFileDiagnostic, fileName, text);
}

export function formatAll(ds: readonly Diagnostic[], fileName: string, text: string): string {
  return ds.map((d) => formatOne(d, fileName, text)).join('\n');
}

export function errorsOf(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => d.severity === 'error');
}
