/**
 * Typed errors of the broker area. Every code is listed in BROKER_ERROR_CODES with a line of
 * documentation; a test checks that every code thrown is listed.
 */
import { CodedError } from '../common/coded-error.js';
export const BROKER_ERROR_CODES = {
  CONFIG_INVALID: 'The configuration (flags, RULEMQ_* environment, config file) has a bad key or value.',
  CONFIG_FILE_UNREADABLE: 'The file given with --config cannot be read or is not valid YAML/JSON.',
  LISTEN_FAILED: 'A listener could not bind its host and port (in use, no permission, bad address).',
  TLS_FILES_UNREADABLE: 'The TLS certificate, key or CA file cannot be read.',
  RULES_INVALID: 'The rules file has errors; every error is printed with file:line:column.',
  PASSWORD_FILE_INVALID: 'The password file (passwordFile) cannot be read or has bad lines; every problem is printed with file:line.',
  ACL_FILE_INVALID: 'The ACL file (aclFile) cannot be read or has bad lines; every problem is printed with file:line.',
} as const;

export type BrokerErrorCode = keyof typeof BROKER_ERROR_CODES;

export class BrokerError extends CodedError<BrokerErrorCode> {}

/** One problem found in the configuration: the key path, what was expected, what was found, where. */
export interface ConfigIssue {
  key: string;
  message: string;
  source: 'flag' | 'env' | 'file' | 'default';
}

export class ConfigError extends BrokerError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', `invalid configuration:\n${issues.map((i) => `  - ${i.message} (from ${i.source})`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
