/**
 * Parser for `rules.sql`, the rule engine's configuration file. Format reference:
 *
 * ```sql
 * CREATE CONNECTOR name TYPE type [WITH (key = value, ...)];
 * CREATE ACTION name TYPE type [WITH (connector = 'name', key = value, ...)];
 * CREATE RULE name [ENABLED | DISABLED] [DESCRIPTION 'text'] AS <EMQX SELECT or FOREACH> [INTO target, ...];
 * ```
 * - Every statement ends with `;`. Keywords are case-insensitive and cannot be used as names. Names are
 *   `[A-Za-z_][A-Za-z0-9_-]*` and case-sensitive; connectors, actions and rules each have their own namespace.
 * - `-- line` and `/* block *\/` comments may appear anywhere outside a SELECT; inside a SELECT only `--` (EMQX).
 * - Values: `'text'` (may span lines; `''` inside is one `'`, as in standard SQL, so templates can contain quotes;
 *   backslashes are literal), integers and decimals (`100`, `-1.5`; no exponent), `true`/`false` in any case, and
 *   `env('NAME')` (a string from the env map given to the parser). Unquoted words (`500ms`, `async`) are errors.
 *   A trailing comma before `)` is allowed.
 * - The SELECT is EMQX rule SQL, captured as text (see select-span.ts): inside it `'...'` has NO escapes. It ends at
 *   the first top-level INTO, so a column literally named `into` must be written `"into"`.
 * - INTO targets: an action name (declared anywhere in the file), `console`, or
 *   `republish(topic = '...', qos = 0|1|2, retain = true|false, payload = '...')`; `console`/`republish` are
 *   case-insensitive and cannot be action names. A rule without INTO is allowed (warning RULES_EMPTY_RULE).
 * - Positions: 1-based line and column; columns and offsets count UTF-16 code units; CRLF and LF give the same
 *   lines and columns.
 */
import type { RulesFile } from './ast.js';
import { checkFile } from './checks.js';
import { RULES_FILE_CODES, type RulesFileDiagnostic } from './errors.js';
import { parseStatements } from './parser.js';
import { LineIndex } from './positions.js';
import type { EnvMap } from './settings.js';
import { type Report, TokenStream } from './stream.js';

export interface ParseRulesFileOptions {
  /** Name of the file, for callers that format diagnostics; the parser itself does not read files. */
  fileName: string;
  /**
   * Variables for `env('NAME')`. Defaults to none: the parser never reads `process.env` itself, so a parse is
   * reproducible; the broker passes `process.env`. A value of `undefined` counts as unset; `''` is a value.
   */
  env?: Record<string, string | undefined>;
}

export interface ParseRulesFileResult {
  /**
   * Best effort: every statement that parsed without a syntax error (semantic errors such as an unknown action do
   * not remove a declaration; a setting whose value failed is left out of its map). Use it only when
   * `diagnostics` has no error (see `hasErrors`).
   */
  file: RulesFile;
  /** All problems found in one pass, errors and warnings, sorted by offset. */
  diagnostics: RulesFileDiagnostic[];
}

/** Parses a rules file. Never throws for bad input: every problem becomes a diagnostic. */
export function parseRulesFile(text: string, opts: ParseRulesFileOptions): ParseRulesFileResult {
  const lines = new LineIndex(text);
  const diagnostics: RulesFileDiagnostic[] = [];
  const report: Report = (code, message, offset, length) => {
    const { line, column } = lines.pos(offset);
    diagnostics.push({ code, message, line, column, offset, length, severity: RULES_FILE_CODES[code].severity });
  };
  const env: EnvMap = opts.env ?? {};
  const parsed = parseStatements(new TokenStream(text, lines, report), env);
  checkFile(parsed, report, (offset) => {
    const p = lines.pos(offset);
    return `${p.line}:${p.column}`;
  });
  // Stable sort: diagnostics at the same offset keep the order they were found in.
  diagnostics.sort((a, b) => a.offset - b.offset);
  return {
    file: { connectors: parsed.connectors, actions: parsed.actions.map((a) => a.decl), rules: parsed.rules },
    diagnostics,
  };
}

export type { ActionDecl, ConnectorDecl, Pos, RuleDecl, RulesFile, RuleTarget, Setting, Settings, SettingValue } from './ast.js';
export {
  formatDiagnostic,
  formatDiagnostics,
  hasErrors,
  RULES_FILE_CODES,
  RulesFileError,
  type DiagnosticSeverity,
  type RulesFileCode,
  type RulesFileDiagnostic,
} from './errors.js';
export { scanSelectSpan, type SelectSpan } from './select-span.js';
