import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout. Secrets never reach a log line: the paths below are redacted
 * wherever a caller passes a config, connect packet or settings object.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
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
