import { readFileSync } from 'node:fs';
import { BrokerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseAclFile, type AclFile } from '../acl/acl-file.js';
import { parsePasswordFile, type PasswordDb } from './password-file.js';

/** Reads and parses the password file; every bad line is reported at once (BrokerError PASSWORD_FILE_INVALID). */
export function readPasswordFile(file: string, logger?: Logger): PasswordDb {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BrokerError('PASSWORD_FILE_INVALID', `cannot read password file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { db, errors, warnings } = parsePasswordFile(text);
  for (const w of warnings) logger?.warn({ file, line: w.line }, `password file ${file}:${w.line}: ${w.message}`);
  if (errors.length > 0) {
    throw new BrokerError(
      'PASSWORD_FILE_INVALID',
      `${errors.length} error(s) in password file ${file}:\n${errors.map((e) => `  ${file}:${e.line}: ${e.message}`).join('\n')}`,
    );
  }
  return db;
}

/** Reads and parses the ACL file; every bad line is reported at once (BrokerError ACL_FILE_INVALID). */
export function readAclFile(file: string, logger?: Logger): AclFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BrokerError('ACL_FILE_INVALID', `cannot read ACL file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const { acl, errors, warnings } = parseAclFile(text);
  for (const w of warnings) logger?.warn({ file, line: w.line }, `ACL file ${file}:${w.line}: ${w.message}`);
  if (errors.length > 0) {
    throw new BrokerError(
      'ACL_FILE_INVALID',
      `${errors.length} error(s) in ACL file ${file}:\n${errors.map((e) => `  ${file}:${e.line}: ${e.message}`).join('\n')}`,
    );
  }
  return acl;
}
