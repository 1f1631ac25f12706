#!/usr/bin/env node
/**
 * @module main: the `mcp-gateway` executable. Wires the CLI to the real process (argv, streams, signals) and is the
 * only place that calls process.exit.
 */
import { runCli, EXIT } from './cli.js';

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      resolve(signal);
      // A second signal while stopping means "now".
      process.once(signal, () => process.exit(EXIT.failure));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** SIGHUP reloads the config; until the daemon listens for it, it is noted (as a JSON line) rather than fatal. */
let reload: (() => void) | undefined;
process.on('SIGHUP', () => {
  if (reload) reload();
  else logLine('warn', 'SIGHUP before the gateway started; ignored', { signal: 'SIGHUP' });
});

/** One JSON log line on stderr, for what happens outside the gateway's own logger. */
function logLine(level: 'warn' | 'error', msg: string, fields: Record<string, string>): void {
  process.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
}

// A daemon serving many backends must not die of one stray rejection; it is logged and serving goes on.
process.on('unhandledRejection', (reason) => {
  logLine('error', 'unhandled rejection', {
    err: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
  });
});
// Node's own warnings (MaxListenersExceededWarning and the like) as JSON lines too,
// so that stderr stays one JSON object per line for journald and log shippers.
process.removeAllListeners('warning');
process.on('warning', (warning) => logLine('warn', `node ${warning.name}`, { err: warning.message }));

// Not a top-level await: the executable is bundled as CommonJS, to be loaded with a compile cache.
void runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  stopSignal,
  onReloadSignal: (listener) => (reload = listener),
})
  .catch((error: unknown) => {
    process.stderr.write(
      `mcp-gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failure;
  })
  .then((code) => process.exit(code));
