/**
 * Diagnostics of the `rules.sql` parser: one registry of stable codes (each with its severity and a one-line doc),
 * the diagnostic shape, and the `file:line:col: CODE: message` + source line + caret renderer.
 */
import { CodedError } from '../../common/coded-error.js';

/** Every code this layer emits, with its severity and what it means. Codes are stable: tools may match on them. */
export const RULES_FILE_CODES = {
  RULES_SYNTAX: {
    severity: 'error',
    doc: 'The text does not follow the rules.sql grammar (unexpected token, missing `;`, unterminated string or comment, unclosed `(` in a SELECT, unquoted text value).',
  },
  RULES_DUPLICATE_NAME: {
    severity: 'error',
    doc: 'Two connectors, two actions or two rules have the same name (each kind has its own namespace; names are case-sensitive).',
  },
  RULES_RESERVED_NAME: {
    severity: 'error',
    doc: 'An action is named `console` or `republish` (any case), which INTO reserves for the built-in targets.',
  },
  RULES_UNKNOWN_ACTION: {
    severity: 'error',
    doc: 'A rule INTO names an action that no CREATE ACTION in the file declares.',
  },
  RULES_UNKNOWN_CONNECTOR: {
    severity: 'error',
    doc: "An action's `connector` setting names a connector that no CREATE CONNECTOR in the file declares.",
  },
  RULES_ENV_MISSING: {
    severity: 'error',
    doc: "A value is `env('NAME')` and NAME is not set in the environment given to the parser.",
  },
  RULES_DUPLICATE_KEY: {
    severity: 'error',
    doc: 'A WITH (...) or republish(...) list sets the same key twice.',
  },
  RULES_BAD_VALUE: {
    severity: 'error',
    doc: 'A value has the wrong kind or range for a setting this layer knows (integer beyond 2^53, non-string `connector`).',
  },
  RULES_BAD_REPUBLISH: {
    severity: 'error',
    doc: 'republish(...) settings are invalid: topic (string, required, no wildcards, not under $SYS), qos (0, 1 or 2), retain (true/false), payload (string), the MQTT 5 property templates (user_properties, payload_format_indicator, content_type, message_expiry_interval, response_topic, correlation_data); other keys are rejected.',
  },
  RULES_EMPTY_RULE: {
    severity: 'warning',
    doc: 'A rule has no INTO clause, so its output goes nowhere (it still counts metrics).',
  },
  RULES_DUPLICATE_TARGET: {
    severity: 'warning',
    doc: 'A rule lists the same action (or console) twice in INTO, so each output is sent twice.',
  },
} as const satisfies Record<string, { severity: DiagnosticSeverity; doc: string }>;

export type DiagnosticSeverity = 'error' | 'warning';
export type RulesFileCode = keyof typeof RULES_FILE_CODES;

/** One problem found in a rules file. `line`/`column` are 1-based; `length` may be 0 (a point, e.g. end of file). */
export interface RulesFileDiagnostic {
  code: RulesFileCode;
  message: string;
  line: number;
  column: number;
  offset: number;
  length: number;
  severity: DiagnosticSeverity;
}

/** true when at least one diagnostic is an error; a file with errors must not be loaded. */
export function hasErrors(diagnostics: readonly RulesFileDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Renders a diagnostic as
 * ```
 * rules.sql:3:14: RULES_DUPLICATE_NAME: message
 *   CREATE RULE a AS ...
 *               ^
 * ```
 * Warnings read `rules.sql:3:14: warning: RULES_EMPTY_RULE: message`. The caret line copies tabs from the
 * source line so it stays aligned; carets cover `length` characters, clipped to the line (at least one).
 */
export function formatDiagnostic(d: RulesFileDiagnostic, fileName: string, sourceText: string): string {
  const head = `${fileName}:${d.line}:${d.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.code}: ${d.message}`;
  const offset = Math.min(Math.max(d.offset, 0), sourceText.length);
  const lineStart = sourceText.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = sourceText.indexOf('\n', offset);
  if (lineEnd === -1) lineEnd = sourceText.length;
  if (lineEnd > lineStart && sourceText[lineEnd - 1] === '\r') lineEnd--;
  const lineText = sourceText.slice(lineStart, lineEnd);
  const indent = lineText.slice(0, Math.max(0, offset - lineStart)).replace(/[^\t]/g, ' ');
  const carets = '^'.repeat(Math.max(1, Math.min(d.length, lineEnd - offset)));
  return `${head}\n${lineText}\n${indent}${carets}`;
}

/** All diagnostics rendered with `formatDiagnostic`, separated by newlines. */
export function formatDiagnostics(ds: readonly RulesFileDiagnostic[], fileName: string, sourceText: string): string {
  return ds.map((d) => formatDiagnostic(d, fileName, sourceText)).join('\n');
}

/** Thrown by callers that refuse a file with errors (the parser itself never throws for bad input). */
export class RulesFileError extends CodedError<'RULES_FILE_INVALID'> {
  constructor(
    readonly fileName: string,
    readonly diagnostics: readonly RulesFileDiagnostic[],
    sourceText: string,
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super('RULES_FILE_INVALID', `${fileName}: ${errors.length} error(s)\n${formatDiagnostics(errors, fileName, sourceText)}`);
  }
}
