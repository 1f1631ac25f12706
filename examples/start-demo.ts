/** @module `npm start`: the notes and units demos, then the gateway on servers.yaml; all stop together. */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NOTES_PORT } from './backends/notes-http.js';
import { DEFAULT_UNITS_PORT } from './backends/units-sse.js';

// Resolved from this file (dist/examples/start-demo.js), so `npm start` works from any working directory.
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const REPO_ROOT = here('../../');
const GATEWAY = here('../mcp-gateway.js');
const CONFIG = here('../../servers.yaml');

/** The ports must match the http_url entries of servers.yaml (a test checks). */
const DEMOS = [
  { name: 'notes', script: here('./backends/notes-http.js'), port: DEFAULT_NOTES_PORT },
  { name: 'units', script: here('./backends/units-sse.js'), port: DEFAULT_UNITS_PORT },
] as const;

const STARTUP_TIMEOUT_MS = 10_000;
const KILL_GRACE_MS = 3_000;

function say(message: string): void {
  process.stderr.write(`start-demo: ${message}\n`);
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** The exit code a shell would report: the child's own code, or 128 + signal number when it was killed. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Resolves once the port accepts connections; rejects if the child exits first or the deadline passes. */
async function waitListening(name: string, child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited(child))
      throw new Error(`the ${name} demo exited during startup (is port ${port} already in use?)`);
    // Checking liveness again after connecting: another process on the port would otherwise look like our demo.
    if ((await canConnect(port)) && !exited(child)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the ${name} demo did not start listening on 127.0.0.1:${port} within ${STARTUP_TIMEOUT_MS / 1000} s`,
  );
}

/** SIGTERM, then SIGKILL for whoever is still there after the grace period. Resolves when all have exited. */
async function stopAll(children: ChildProcess[]): Promise<void> {
  const alive = children.filter((c) => !exited(c));
  await Promise.all(
    alive.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (exited(child)) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function main(): Promise<number> {
  const demos: ChildProcess[] = [];
  const everyone: ChildProcess[] = []; // demos, then the gateway: whoever a signal must reach
  let stopSignal: NodeJS.Signals | undefined;
  let demoFailed = false;
  const stopping = (): boolean => stopSignal !== undefined || demoFailed;

  // A terminal's Ctrl-C reaches the whole process group anyway; forwarding covers `kill <pid>` and supervisors.
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal ??= signal;
    say(`${signal} received, stopping`);
    for (const child of everyone) if (!exited(child)) child.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Otherwise the readiness poll below would take a stranger on the port for our demo.
  for (const demo of DEMOS) {
    if (await canConnect(demo.port)) {
      say(`port ${demo.port} for the ${demo.name} demo is already in use; stop whatever listens there first`);
      return 1;
    }
  }
  for (const demo of DEMOS) {
    say(`starting the ${demo.name} demo on port ${demo.port}`);
    const child = spawn(process.execPath, [demo.script, '--port', String(demo.port)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', (err) => say(`cannot start the ${demo.name} demo: ${err.message}`));
    demos.push(child);
    everyone.push(child);
  }
  let up = true;
  try {
    await Promise.all(DEMOS.map((d, i) => waitListening(d.name, demos[i]!, d.port)));
  } catch (err) {
    up = false;
    if (!stopSignal) say((err as Error).message);
  }
  if (!up || stopping() || demos.some(exited)) {
    await stopAll(demos);
    return stopSignal ? exitCodeOf(null, stopSignal) : 1;
  }

  if (!existsSync(GATEWAY)) {
    say(`the gateway is not built (${GATEWAY} is missing); run \`npm run build\` first`);
    await stopAll(demos);
    return 1;
  }
  say(`demos are up; starting the gateway with ${CONFIG}`);
  const gw = spawn(process.execPath, [GATEWAY, '--config', CONFIG, ...process.argv.slice(2)], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  everyone.push(gw);

  // A demo that dies while the gateway runs leaves a half-working setup; better to stop and say so.
  for (const [i, child] of demos.entries()) {
    child.once('exit', (code, signal) => {
      if (stopping() || exited(gw)) return;
      demoFailed = true;
      say(
        `the ${DEMOS[i]!.name} demo exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
      );
      void stopAll([gw]);
    });
  }

  const gatewayExit = await new Promise<number>((resolve) => {
    gw.once('error', (err) => {
      say(`cannot start the gateway: ${err.message}`);
      resolve(1);
    });
    gw.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
  if (!stopping()) say(`the gateway exited (code ${gatewayExit}); stopping the demos`);
  await stopAll(demos);
  return demoFailed ? 1 : gatewayExit;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
