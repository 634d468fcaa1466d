/**
 * Output of the `rules.sql` parser: connectors, actions and rules with the source position of every name and value,
 * so later stages (sink config validation, the SELECT compiler) can report errors at the right place.
 */

/** A place in the source. `line` and `column` are 1-based; `column` and `offset` count UTF-16 code units. */
export interface Pos {
  line: number;
  column: number;
  offset: number;
}

/** A setting value after parsing: `'text'` → string, `42` / `-1.5` → number, `true`/`false` → boolean, `env('X')` → string. */
export type SettingValue = string | number | boolean;

export interface Setting {
  value: SettingValue;
  /** Position of the key (`url` in `url = '...'`). */
  keyPos: Pos;
  /** Position of the value; for `env('X')` the position of `env`. */
  valuePos: Pos;
  /** Set when the value came from `env('NAME')`: the variable name, so callers can redact secrets in logs. */
  env?: string;
}

/** `key = value` pairs in source order. Keys are case-sensitive. */
export type Settings = Map<string, Setting>;

/** `CREATE CONNECTOR name TYPE type [WITH (...)];` */
export interface ConnectorDecl {
  name: string;
  namePos: Pos;
  /** As written (case-sensitive); the sink registry decides which types exist. */
  type: string;
  typePos: Pos;
  settings: Settings;
}

/** `CREATE ACTION name TYPE type [WITH (...)];` The `connector` setting, when present, names a declared connector. */
export interface ActionDecl {
  name: string;
  namePos: Pos;
  type: string;
  typePos: Pos;
  settings: Settings;
}

export type RuleTarget = { kind: 'action'; name: string; pos: Pos } | { kind: 'console'; pos: Pos } | { kind: 'republish'; settings: Settings; pos: Pos };

/** `CREATE RULE name [ENABLED|DISABLED] [DESCRIPTION '...'] AS <select> [INTO target, ...];` */
export interface RuleDecl {
  name: string;
  namePos: Pos;
  /** true unless the rule says DISABLED. */
  enabled: boolean;
  /** Present only when the rule has a DESCRIPTION. */
  description?: string;
  /**
   * The EMQX rule SQL exactly as written, from `SELECT`/`FOREACH` to the end of its last token (comments inside
   * are kept; whitespace and `--` comments between it and `INTO` are not). Not parsed by this layer.
   */
  sql: string;
  /** Where `sql` starts in the file, for mapping SELECT parser positions back to file positions. */
  sqlPos: Pos;
  /** Empty when the rule has no INTO (allowed; reported as a RULES_EMPTY_RULE warning). */
  targets: RuleTarget[];
}

export interface RulesFile {
  connectors: ConnectorDecl[];
  actions: ActionDecl[];
  rules: RuleDecl[];
}
