/** @module CLI shell of the HTTP demos: `--port N` / PORT, a "listening" line, clean exit on signals. */

import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/** True when the module at `metaUrl` is the script node was started with (not imported by a test or another module). */
export function isMain(metaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // realpath so that a symlinked bin (npm link, node_modules/.bin) still counts as "run directly".
    return metaUrl === pathToFileURL(realpathSync(script)).href || metaUrl === pathToFileURL(script).href;
  } catch {
    return metaUrl === pathToFileURL(script).href;
  }
}

/** `--port N`, `--port=N`, else env PORT, else the default. Returns an error message for anything unusable. */
export function parsePort(argv: string[], env: NodeJS.ProcessEnv, fallback: number): number | string {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--port') raw = argv[++i] ?? '';
    else if (arg.startsWith('--port=')) raw = arg.slice('--port='.length);
    else return `unknown argument '${arg}' (usage: [--port N])`;
  }
  if (raw === undefined) raw = env.PORT === '' ? undefined : env.PORT;
  if (raw === undefined) return fallback;
  const port = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return `invalid port '${raw}' (0-65535; 0 = any free port)`;
  return port;
}

export interface RunningDemo {
  url: string;
  close(): Promise<void>;
}

/**
 * The running demo for a listening node:http server: `close()` ends every MCP session, then the server, and may be
 * called more than once.
 */
export function runningDemo(
  url: string,
  server: Server,
  sessions: Map<string, { close(): Promise<void> }>,
): RunningDemo {
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...sessions.values()].map((t) => t.close()));
        sessions.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // server.close() waits for open sockets; event streams and keep-alive clients would hold it forever.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/**
 * Starts a demo from the command line. Exit codes: 0 after SIGTERM/SIGINT, 1 if it cannot listen, 2 for bad usage.
 * A second signal while closing exits at once, so a stuck connection cannot make Ctrl-C useless.
 */
export async function runDemoCli(
  name: string,
  defaultPort: number,
  start: (opts: { port: number }) => Promise<RunningDemo>,
): Promise<void> {
  const port = parsePort(process.argv.slice(2), process.env, defaultPort);
  if (typeof port === 'string') {
    process.stderr.write(`${name} demo: ${port}\n`);
    process.exit(2);
  }
  let running: RunningDemo;
  try {
    running = await start({ port });
  } catch (err) {
    process.stderr.write(
      `${name} demo: cannot listen on port ${port}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`${name} demo listening on ${running.url}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) process.exit(1);
    closing = true;
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
