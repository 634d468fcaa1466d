import { pino, type Logger as PinoLogger } from 'pino';

/** Everything in rulemq writes to the one Logger shape; `rulemq start` hands it pino's. */
export type { Logger } from '../common/logger.js';
export type { PinoLogger };

/**
 * Structured JSON logs on stdout. Secrets never reach a log line: the paths below are redacted
 * wherever a caller passes a config, connect packet or settings object.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): PinoLogger {
  return pino(
    {
      level,
      base: { name: 'rulemq' },
      redact: {
        paths: ['password', '*.password', 'settings.password', 'packet.password', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
