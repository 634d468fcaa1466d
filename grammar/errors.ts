/**
 * Errors for rule SQL that cannot be loaded: lexical and syntax errors, and the semantic checks the compiler makes
 * at load time (unknown functions, wrong arity, bad `$events/...` topics).
 *
 * Every error has a stable `code` from SQL_ERROR_CODES, a 1-based `line`/`column`, a 0-based `offset` and a
 * `length` (all in the coordinates of the file the SQL came from, see ParseOptions), and renders as
 * `rules.sql:3:14: SQL_UNEXPECTED_TOKEN: expected FROM but found 'WHERE'` plus the source line and a caret.
 */
import { CodedError } from '../common/coded-error.js';

/** Every code a SqlError can carry, with what it means. A test checks that each code used in the code base is here. */
export const SQL_ERROR_CODES = {
  SQL_EMPTY: 'The SQL text is empty or only whitespace/comments.',
  SQL_LEX_ERROR: 'A character that starts no token (`;`, `{`, `#`, a non-ASCII letter outside quotes...).',
  SQL_UNTERMINATED_STRING: 'A `\'string\'` or `"name"` that is never closed.',
  SQL_BAD_NUMBER: 'A number EMQX cannot read: an exponent without a decimal point (`10e5`), a type suffix (`1.5f`).',
  SQL_UNEXPECTED_TOKEN: "The parser expected something else at this token (`expected FROM but found 'WHERE'`).",
  SQL_INVALID_EXPRESSION: "Well-formed tokens in a place EMQX's grammar does not allow them (a CASE inside arithmetic, AND in SELECT...).",
  SQL_UNKNOWN_FUNCTION: 'A function name that is not a built-in rule function (names are case-sensitive), or a bad function module.',
  SQL_BAD_ARITY: 'A known function called with too few or too many arguments.',
  SQL_BAD_EVENT_TOPIC: 'A FROM entry under `$events/` that names no known event (message_publish rules use a topic filter instead).',
  SQL_BAD_TOPIC_FILTER: 'A FROM entry that is not a valid MQTT topic filter (`a/#/b`, `a+`, empty).',
  SQL_BAD_ARGUMENT: 'A literal argument every call would reject: a regular expression that is invalid or that RE2 cannot run.',
  SQL_TOO_DEEP: 'Parentheses, lists or CASEs nested so deeply that the parser runs out of stack (a few hundred levels).',
} as const;

export type SqlErrorCode = keyof typeof SQL_ERROR_CODES;

/**
 * Codes of load-time warnings: SQL that loads but that EMQX 5.8 evaluates to an error or a constant every time the
 * construct is reached (kept faithful at run time, reported here so a rules file can say so at start-up).
 */
export const SQL_WARNING_CODES = {
  SQL_WARN_ALWAYS_RAISES: '`NOT x IN (...)`, `NOT (a AND b)`, `~=`, a bare field as a condition...: raises whenever it is evaluated.',
  SQL_WARN_IOT_FUNCTION_UNDEFINED: '`topic()`, `qos()`, `clientid()`... outside WHERE/INCASE: always undefined in EMQX 5.x; use the column.',
} as const;

export type SqlWarningCode = keyof typeof SQL_WARNING_CODES;

/** A position in the source file (1-based line and column, 0-based offset). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A span of source text: where it starts and how many characters it covers. */
export interface SourceRange extends SourcePosition {
  readonly length: number;
}

export interface SqlErrorInit extends SourceRange {
  readonly code: SqlErrorCode;
  /** The message without position, e.g. `expected FROM but found 'WHERE'`. */
  readonly message: string;
  /** What the parser would have accepted here (token labels), empty when not applicable. */
  readonly expected?: readonly string[];
  /** The offending text as written, when there is one. */
  readonly found?: string;
  /** The text of the source line that holds the error, as far as the parser saw it (for the caret display). */
  readonly sourceLine?: string;
  /** Column at which `sourceLine` starts in the file (1 unless the SQL was embedded mid-line). */
  readonly sourceLineColumn?: number;
}

export class SqlError extends CodedError<SqlErrorCode> {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly length: number;
  readonly expected: readonly string[];
  readonly found: string | undefined;
  /** The bare message; `message` is `line:column: CODE: detail`. */
  readonly detail: string;
  private readonly sourceLine: string | undefined;
  private readonly sourceLineColumn: number;

  constructor(init: SqlErrorInit) {
    super(init.code, `${init.line}:${init.column}: ${init.code}: ${init.message}`);
    this.line = init.line;
    this.column = init.column;
    this.offset = init.offset;
    this.length = init.length;
    this.expected = init.expected ?? [];
    this.found = init.found;
    this.detail = init.message;
    this.sourceLine = init.sourceLine;
    this.sourceLineColumn = init.sourceLineColumn ?? 1;
  }

  /**
   * Renders `name:line:col: CODE: detail`, the source line and a caret under the error. Pass the whole file text
   * to show the file's own line (needed when the SQL was embedded mid-line and the caret must line up).
   */
  format(sourceName = '<sql>', fileText?: string): string {
    const head = `${sourceName}:${this.line}:${this.column}: ${this.code}: ${this.detail}`;
    let text: string | undefined;
    let startCol = 1;
    if (fileText !== undefined) {
      text = fileText.split(/\r?\n/)[this.line - 1];
    } else if (this.sourceLine !== undefined) {
      text = this.sourceLine;
      startCol = this.sourceLineColumn;
    }
    if (text === undefined) return head;
    const shown = ' '.repeat(Math.max(0, startCol - 1)) + text.replace(/\t/g, ' ');
    const caretLen = Math.max(1, Math.min(this.length, shown.length - (this.column - 1)));
    return `${head}\n${shown}\n${' '.repeat(Math.max(0, this.column - 1))}${'^'.repeat(caretLen)}`;
  }
}
