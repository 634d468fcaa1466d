import type { Action, ConnectorStatus } from './contract.js';

/** A setting value from rules.sql after env() resolution. */
export type RawSettings = Record<string, string | number | boolean>;

/** One bad setting: which key (or '' for the statement as a whole) and what is wrong, naming the expected value. */
export interface SettingsIssue {
  key: string;
  message: string;
  /** For a problem inside a string value: its offset in the value, so the loader points at it. */
  valueOffset?: number;
}

/** What a sink type throws from parseConnector/parseAction when settings are bad (all issues at once). */
export interface SettingsErrorLike extends Error {
  issues: readonly SettingsIssue[];
}

export function isSettingsError(err: unknown): err is SettingsErrorLike {
  return err instanceof Error && Array.isArray((err as { issues?: unknown }).issues);
}

export interface SinkLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/** Histogram hooks the runtime wires to prom-client, per action. */
export interface SinkMetricsHooks {
  observeAppendSeconds(seconds: number): void;
  observeBatchSize(records: number): void;
}

export interface SinkDeps {
  logger: SinkLogger;
  metricsFor(actionName: string): SinkMetricsHooks;
}

export interface ConnectorTestResult {
  ok: boolean;
  message: string;
  [detail: string]: unknown;
}

export interface ConnectorInstance {
  readonly name: string;
  readonly type: string;
  status(): ConnectorStatus;
  test(stream?: string): Promise<ConnectorTestResult>;
  close(): Promise<void>;
}

/** A sink type usable in `CREATE CONNECTOR ... TYPE x` / `CREATE ACTION ... TYPE x`. */
export interface SinkType<C = unknown, A = unknown> {
  readonly type: string;
  /** Whether actions of this type need a `connector` setting. */
  readonly needsConnector: boolean;
  parseConnector(raw: RawSettings): C;
  parseAction(raw: RawSettings): A;
  createConnector(name: string, config: C, deps: SinkDeps): ConnectorInstance;
  /** Creates the action (not started). `connector` is the instance named by the action's `connector` setting. */
  createAction(name: string, config: A, connector: ConnectorInstance | null, deps: SinkDeps): Action;
  /** The stream/target an action writes to, for connection tests. */
  actionTarget?(config: A): string | undefined;
}

export class SinkRegistry {
  private readonly types = new Map<string, SinkType>();

  register(t: SinkType): this {
    if (this.types.has(t.type)) throw new Error(`sink type '${t.type}' is registered twice`);
    this.types.set(t.type, t as SinkType);
    return this;
  }

  get(type: string): SinkType | undefined {
    return this.types.get(type);
  }

  names(): string[] {
    return [...this.types.keys()];
  }
}
