import { pino, type Logger as PinoLogger } from 'pino';
import PinoPretty from 'pino-pretty';

/** Everything in rulemq writes to the one Logger shape; `rulemq start` hands it pino's. */
export type { Logger } from '../common/logger.js';
export type { PinoLogger };

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Logs on stdout: JSON lines with an ISO 8601 `time` (for collectors), or readable text (for people at
 * a terminal). `auto` picks pretty when stdout is a terminal. Secrets never reach a log line: the
 * paths below are redacted wherever a caller passes a config, connect packet or settings object.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): PinoLogger {
  const options = {
    level,
    base: { name: 'rulemq' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        'settings.password',
        'packet.password',
        'authorization',
        '*.authorization',
        'redisSentinelPassword',
        '*.redisSentinelPassword',
      ],
      censor: '[redacted]',
    },
  };
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  if (!pretty) return pino(options, destination ?? pino.destination({ fd: 1, sync: false }));
  // pino-pretty as an in-process stream rather than a pino transport: a transport formats in a worker
  // thread, which would reorder lines against direct stderr writes and lose the last ones at exit.
  const stream = PinoPretty({
    destination: destination ?? 1,
    sync: true,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return pino(options, stream);
}
