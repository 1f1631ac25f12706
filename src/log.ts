/**
 * @module log: JSON lines on stderr (pino), with every configured secret scrubbed from each line before it is written.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { createScrubber } from './scrub.js';

export type Logger = PinoLogger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  level: LogLevel | 'silent';
  /** Values that must never appear in a log line (env and header values, expanded ${VAR}s). */
  secrets?: readonly string[];
  /** Where lines go; stderr by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = createScrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: scrub },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The header that carries a request's id in and out (and that log lines name `req_id`). */
export const REQUEST_ID_HEADER = 'x-request-id';
