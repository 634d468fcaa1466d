import type { Logger } from '../common/logger.js';
import type { Action, ConnectorStatus } from './contract.js';
import type { Publisher } from './republish.js';
import type { SettingsIssue } from './errors.js';
import type { RawSettings } from './settings.js';

export type { RawSettings, SettingsIssue };

/** What a sink type throws from parseConnector/parseAction when settings are bad (all issues at once). */
export interface SettingsErrorLike extends Error {
  issues: readonly SettingsIssue[];
}

export function isSettingsError(err: unknown): err is SettingsErrorLike {
  return err instanceof Error && Array.isArray((err as { issues?: unknown }).issues);
}

/** Histogram hooks the runtime wires to prom-client, per action. */
export interface SinkMetricsHooks {
  observeAppendSeconds(seconds: number): void;
  observeBatchSize(records: number): void;
}

export interface SinkDeps {
  logger: Logger;
  /** Where republish targets publish: the broker (absent where no rule can republish, e.g. `rulemq check`). */
  publisher?: Publisher;
  metricsFor(actionName: string): SinkMetricsHooks;
  /**
   * Set when this process is one of several workers of a node (e.g. 'worker-2'): whatever a sink keeps
   * on disk goes into a subdirectory of that name, so the workers never share files.
   */
  instance?: string;
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
  /** A built-in INTO target (console, republish): built per rule, never named by CREATE CONNECTOR/ACTION. */
  readonly intoTarget?: boolean;
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

  /** The type a CREATE CONNECTOR / CREATE ACTION may name. */
  get(type: string): SinkType | undefined {
    const t = this.types.get(type);
    return t?.intoTarget ? undefined : t;
  }

  /** The built-in INTO target `console` or `republish`. */
  target(kind: 'console' | 'republish'): SinkType {
    const t = this.types.get(kind);
    if (!t?.intoTarget) throw new Error(`INTO target '${kind}' is not registered`);
    return t;
  }

  /** Types a CREATE CONNECTOR / CREATE ACTION may name. */
  names(): string[] {
    return [...this.types.values()].filter((t) => !t.intoTarget).map((t) => t.type);
  }
}
