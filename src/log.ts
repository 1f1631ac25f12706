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

/** How each logger made here learns more secrets (its children write through the same hook). */
const learners = new WeakMap<Logger, (secrets: readonly string[]) => void>();

export function createLogger(options: LoggerOptions): Logger {
  let known = new Set(options.secrets ?? []);
  let scrub = createScrubber([...known]);
  const logger = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => scrub(line) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  learners.set(logger, (secrets) => {
    const more = new Set([...known, ...secrets]);
    if (more.size === known.size) return;
    known = more;
    scrub = createScrubber([...known]);
  });
  return logger;
}

/**
 * Makes `logger` (made by createLogger) and its children scrub these values too from now on: a reload or the admin
 * API may bring secrets the config at start did not have.
 */
export function scrubFromLogs(logger: Logger, secrets: readonly string[]): void {
  learners.get(logger)?.(secrets);
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The header that carries a request's id in and out (and that log lines name `req_id`). */
export const REQUEST_ID_HEADER = 'x-request-id';
