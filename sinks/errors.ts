/**
 * Typed errors of the sinks area. Every code is listed with its meaning in `SINK_ERROR_CODES`;
 * a test checks that the list and the classes agree.
 */
import { CodedError } from '../common/coded-error.js';

export const SINK_ERROR_CODES = {
  SETTINGS_INVALID: 'Connector or action settings failed validation; `issues` lists every problem with its key.',
  SINK_QUEUE_FULL: 'The row was dropped on arrival because the action queue was at max_buffer_bytes or max_batches × batch_size rows.',
  SINK_EXPIRED: 'The row was dropped because it was not written within request_ttl.',
  SINK_CLOSED: 'The row was dropped because the action was closing or closed.',
  SINK_REQUEST_TIMEOUT: 'Sync query mode: the caller stopped waiting at request_ttl; the row may still be written later (counted as late_reply).',
  SINK_RECORD_UNENCODABLE: 'The record template could not render the row into a valid record (e.g. record_format = json but the result is not a JSON object).',
  SINK_RECORD_TOO_LARGE: 'The encoded record alone exceeds the 1 MiB Append batch limit.',
  SINK_STREAM_NOT_FOUND: 'The target stream does not exist (HStreamDB answered NOT_FOUND); rows fail fast until it exists again.',
  SINK_NO_SHARD: 'No active shard of the stream covers the hash of the partition key.',
  SINK_UNRECOVERABLE: 'HStreamDB rejected the Append with a permanent error (e.g. INVALID_ARGUMENT); the batch was not retried.',
  SINK_TLS_FILES: 'A TLS file named by ssl_ca, ssl_cert or ssl_key could not be read.',
  SINK_CONNECT_FAILED: 'A connection test failed; the message says why (DNS, refused, TLS, auth, unknown stream, timeout).',
} as const;

export type SinkErrorCode = keyof typeof SINK_ERROR_CODES;

/** Base class for every error of the sinks area. `code` is stable; the message is for people. */
export class SinkError extends CodedError<SinkErrorCode> {}

/** One problem found while validating settings. */
export interface SettingsIssue {
  /** The settings key the problem belongs to (the loader maps it to a file position). */
  key: string;
  /** "`batch_size` must be an integer ≥ 1 (got 'abc')" */
  message: string;
  /** For a problem inside a string value (a record template): its offset in the value, so the loader can point at it. */
  valueOffset?: number;
}

/** Thrown by parseConnectorSettings / parseActionSettings with every problem at once. */
export class SettingsError extends SinkError {
  readonly issues: readonly SettingsIssue[];
  constructor(issues: SettingsIssue[], subject = 'settings') {
    super('SETTINGS_INVALID', `invalid ${subject}:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`);
    this.issues = Object.freeze(issues.slice());
  }
}
