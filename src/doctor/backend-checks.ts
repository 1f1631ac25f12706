/**
 * @module doctor/backend-checks: the checks of one backend (its program and interpreter on the service's PATH, its
 * cwd, its URL, with `start` an MCP initialize) and of the node the service needs.
 */
import { stat } from 'node:fs/promises';
import type { BackendConfig } from '../config/index.js';
import { findCommand, readInterpreter, whereIs } from './find-command.js';
import { probeUrl, tryInitialize } from './probe.js';
import { row, type CheckStatus, type DoctorOptions, type DoctorRow } from './rows.js';
import { whereToSet, type ServiceKind } from './service-env.js';
import { STAND_IN } from './variables.js';

const PROBE_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 10_000;

/**
 * The node that the gateway's `#!/usr/bin/env node` line (and npx's) needs, on the service's PATH: a node installed
 * under a home directory (nvm, fnm, volta) is the classic "works in my shell, fails as a service".
 */
export async function checkNode(
  kind: ServiceKind,
  env: NodeJS.ProcessEnv,
  options: DoctorOptions,
  add: (check: string, status: CheckStatus, detail: string, fix?: string) => void,
): Promise<void> {
  const path = env.PATH ?? '';
  const found = await findCommand('node', path, '/');
  if (found.ok) {
    add('node on PATH', 'ok', found.path);
    return;
  }
  const where = kind === 'systemd' ? 'Environment=PATH=… in the unit' : "the plist's PATH";
  add(
    'node on PATH',
    'problem',
    `not on the ${kind} PATH, so neither mcp-gateway nor npx can start`,
    options.execPath
      ? `link the node running this (sudo ln -s ${options.execPath} /usr/local/bin/node), or add ` +
          `${dirOf(options.execPath)} to ${where}`
      : `install node where the ${kind} PATH finds it, or add its directory to ${where}`,
  );
}

export async function checkBackend(
  backend: BackendConfig,
  env: NodeJS.ProcessEnv,
  kind: ServiceKind,
  options: DoctorOptions,
  unset: boolean,
): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  if (backend.transport === 'stdio') {
    if (!backend.command.includes(STAND_IN) && !backend.cwd.includes(STAND_IN)) {
      rows.push(...(await checkCommand(backend, env, kind, options)));
    }
  } else if (!unset) {
    const probe = await probeUrl(backend.url, backend.headers, options.probeTimeoutMs ?? PROBE_TIMEOUT_MS);
    if (probe.ok) rows.push(row(backend, 'reachable', 'ok', `HTTP ${probe.status}`));
    else
      rows.push(
        row(backend, 'reachable', 'problem', probe.reason, probeFix(backend.url, probe.status, probe.reason)),
      );
  }
  // Starting needs every variable and a program that was found: anything else has its own row already.
  if (options.start && !unset && rows.every((r) => r.status === 'ok')) {
    const result = await tryInitialize(backend, env, options.startTimeoutMs ?? START_TIMEOUT_MS);
    if (result.ok) rows.push(row(backend, 'initialize', 'ok', result.server));
    else {
      const lastLines = result.stderr.split('\n').slice(-3).join(' | ');
      rows.push(
        row(
          backend,
          'initialize',
          'problem',
          lastLines ? `${result.reason}; stderr: ${lastLines}` : result.reason,
          backend.transport === 'stdio'
            ? `run "${backend.command}" by hand with PATH=${backend.env.PATH ?? env.PATH ?? ''} and read its errors; ` +
                'a first npx/uvx run may only have been slow (run doctor again)'
            : 'check that http_url is an MCP endpoint and that headers carry the credentials it needs',
        ),
      );
    }
  }
  return rows;
}

async function checkCommand(
  backend: BackendConfig & { transport: 'stdio' },
  env: NodeJS.ProcessEnv,
  kind: ServiceKind,
  options: DoctorOptions,
): Promise<DoctorRow[]> {
  const cwdOk = await stat(backend.cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!cwdOk) {
    return [
      row(
        backend,
        'cwd',
        'problem',
        `${backend.cwd} is not a directory`,
        'create it, or correct cwd: in servers.yaml',
      ),
    ];
  }
  // spawn() looks the program up on the child's PATH: the backend's own env.PATH if it sets one.
  const path = backend.env.PATH ?? env.PATH ?? '';
  const pathFix = (dir: string) =>
    backend.env.PATH !== undefined
      ? `add ${dir} to PATH in this backend's env:`
      : whereToSet(kind, `PATH=${dir}:${kind === 'none' ? '$PATH' : path}`);
  const found = await findCommand(backend.command, path, backend.cwd);
  if (!found.ok) {
    const label = `command ${backend.command}`;
    if (found.reason === 'not-executable') {
      return [row(backend, label, 'problem', `${found.path} is not executable`, `chmod +x ${found.path}`)];
    }
    if (found.reason === 'is-directory') {
      return [
        row(backend, label, 'problem', `${found.path} is a directory`, 'correct command: in servers.yaml'),
      ];
    }
    if (backend.command.includes('/')) {
      return [
        row(backend, label, 'problem', `${found.path} does not exist`, 'correct command: in servers.yaml'),
      ];
    }
    const inShell =
      kind === 'none' ? undefined : await whereIs(backend.command, options.env.PATH, backend.cwd);
    return [
      row(
        backend,
        label,
        'problem',
        `not found on ${kind === 'none' ? 'PATH' : `the ${kind} PATH`}`,
        inShell
          ? `your shell finds ${inShell}: write command: ${inShell} in servers.yaml, or ${pathFix(dirOf(inShell))}`
          : `install ${backend.command}, or correct command: in servers.yaml`,
      ),
    ];
  }

  // A script runs only if its interpreter can be found too: `#!/usr/bin/env node` under a PATH without node is the
  // classic "works in my shell, fails as a service" (npx from nvm, for one).
  const interpreter = await readInterpreter(found.path);
  const label = `command ${backend.command}`;
  if (!interpreter) return [row(backend, label, 'ok', found.path)];
  if (interpreter.viaEnv) {
    const runner = await findCommand(interpreter.viaEnv, path, backend.cwd);
    if (runner.ok) return [row(backend, label, 'ok', `${found.path} (runs on ${runner.path})`)];
    const inShell = await whereIs(interpreter.viaEnv, options.env.PATH, backend.cwd);
    return [
      row(
        backend,
        label,
        'problem',
        `${found.path} starts with #!${interpreter.path} ${interpreter.viaEnv}, and ${interpreter.viaEnv} is not on PATH`,
        inShell
          ? `${pathFix(dirOf(inShell))} (your shell finds ${inShell})`
          : `install ${interpreter.viaEnv} where PATH finds it`,
      ),
    ];
  }
  const runner = await findCommand(interpreter.path, '', backend.cwd);
  if (runner.ok) return [row(backend, label, 'ok', `${found.path} (runs on ${interpreter.path})`)];
  return [
    row(
      backend,
      label,
      'problem',
      `${found.path} starts with #!${interpreter.path}, which does not exist or is not executable`,
      `install ${interpreter.path}, or correct the first line of ${found.path}`,
    ),
  ];
}

function probeFix(url: string, status: number | undefined, reason: string): string {
  const origin = new URL(url).origin;
  if (status === 401 || status === 403) return "give this backend's headers the credentials it expects";
  if (status === 404) return 'correct the path of http_url (Streamable HTTP is often /mcp, legacy SSE /sse)';
  if (status !== undefined) return `look at the logs of the server at ${origin}`;
  if (reason.startsWith('connection refused')) return `start the server at ${origin}, or correct http_url`;
  if (reason.includes('blocked port')) return 'serve the backend on another port';
  if (reason.startsWith('TLS'))
    return 'use a certificate this machine trusts (NODE_EXTRA_CA_CERTS), or http:';
  return `check that this machine can reach ${origin} (DNS, firewall, proxy)`;
}

function dirOf(file: string): string {
  return file.slice(0, file.lastIndexOf('/')) || '/';
}
