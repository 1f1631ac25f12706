#!/usr/bin/env node
/**
 * @module main: the `mcp-gateway` executable. Wires the CLI to the real process (argv, streams, signals) and is the
 * only place that calls process.exit.
 */
import { hideBin } from 'yargs/helpers';
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
    // Reserved for configuration reload; ignored until then so that it does not kill the daemon.
    process.on('SIGHUP', () =>
      process.stderr.write('mcp-gateway: SIGHUP (config reload) is not supported yet\n'),
    );
  });
}

// A daemon serving many backends must not die of one stray rejection; it is logged (on stderr) and serving goes on.
process.on('unhandledRejection', (reason) => {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  process.stderr.write(
    `${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'unhandled rejection', err: text })}\n`,
  );
});

const code = await runCli(hideBin(process.argv), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  stopSignal,
}).catch((error: unknown) => {
  process.stderr.write(
    `mcp-gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.failure;
});
process.exit(code);
