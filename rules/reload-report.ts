import { formatOne, type Diagnostic } from './diagnostics.js';

/** One error of a rules-file load, with its position when it has one and the text `rulemq check` prints (head, source line, caret). */
export interface ReloadError {
  readonly code: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly length?: number;
  /** `rules.sql:3:14: CODE: message`, then the source line and a caret under the bad token. */
  readonly text: string;
}

/** The outcome of the last load of the rules file (at start, on SIGHUP, on file change, through the API). */
export interface ReloadReport {
  /** ISO 8601 time of the load. */
  readonly at: string;
  /** What started it: 'start', 'SIGHUP', 'file change', 'api'. */
  readonly reason: string;
  readonly ok: boolean;
  /** Rules running after the load (the old ones when it failed). */
  readonly rules: number;
  readonly errors: readonly ReloadError[];
}

export function reloadReport(reason: string, ok: boolean, rules: number, errors: readonly ReloadError[] = []): ReloadReport {
  return Object.freeze({ at: new Date().toISOString(), reason, ok, rules, errors: Object.freeze([...errors]) });
}

/** Positioned errors of a rules file, rendered against its text. */
export function diagnosticErrors(ds: readonly Diagnostic[], file: string, text: string): ReloadError[] {
  return ds.map((d) => ({ code: d.code, message: d.message, line: d.line, column: d.column, length: d.length, text: formatOne(d, file, text) }));
}

/** The file could not be read at all (missing, a directory, no permission): no position to show. */
export function unreadableError(file: string, err: Error): ReloadError {
  return { code: 'RULES_FILE_UNREADABLE', message: err.message, text: `${file}: RULES_FILE_UNREADABLE: ${err.message}` };
}
