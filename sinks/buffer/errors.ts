/** Typed errors of the disk buffer; every code is listed with its meaning (a test checks the list). */
import { CodedError } from '../../common/coded-error.js';

export const BUFFER_ERROR_CODES = {
  BUFFER_LOCKED: 'The buffer directory is in use by another action of this process or by another live process (see its `lock` file).',
  BUFFER_IO: 'Reading or writing the buffer directory failed (permissions, disk full...); the message names the file and the cause.',
  BUFFER_CLOSED: 'The buffer was used after it was closed.',
} as const;

export type BufferErrorCode = keyof typeof BUFFER_ERROR_CODES;

export class BufferError extends CodedError<BufferErrorCode> {}
