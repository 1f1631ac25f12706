/**
 * @module doctor/doctor: `mcp-gateway doctor`: checks every backend the way a service manager will run the gateway
 * (its PATH, its variables) and returns one row per check, each problem with its fix. It never changes anything;
 * only `start` runs backends (and stops them again).
 */
import { stat, readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfigFile, type BackendConfig, type LoadedConfig } from '../config/index.js';
import { createScrubber } from '../log.js';
import { mapLimit } from '../concurrency.js';
import { findCommand, readInterpreter, whereIs } from './find-command.js';
import { probeUrl, tryInitialize } from './probe.js';
import { parseEnvFile, serviceEnvironment, whereToSet, type ServiceKind } from './service-env.js';

export type CheckStatus = 'ok' | 'problem';

export interface DoctorRow {
  /** A backend's name, or `(gateway)` for the gateway's own checks. */
  backend: string;
  transport: string;
  check: string;
  status: CheckStatus;
  /** What was found: a path, an HTTP status, the reason of a problem. */
  detail: string;
  /** How to fix a problem; empty for ok rows. */
  fix: string;
}

export interface DoctorOptions {
  configPath: string;
  service: ServiceKind;
  /** This process's environment: the shell the doctor runs in. */
  env: NodeJS.ProcessEnv;
  /** A `NAME=value` file the service reads too (systemd's EnvironmentFile). */
  envFile?: string;
  /** Also start each backend and send MCP `initialize`. */
  start?: boolean;
  probeTimeoutMs?: number;
  startTimeoutMs?: number;
  /** The node binary running this, for hints when the service's PATH has no node. */
  execPath?: string;
}

export interface DoctorReport {
  rows: DoctorRow[];
  problems: number;
  /** The PATH the checks used. */
  path: string;
}

export const GATEWAY_ROW = '(gateway)';
const PROBE_TIMEOUT_MS = 5_000;
const START_TIMEOUT_MS = 10_000;
/** Backends checked at once: probes wait on the network, starts on child processes. */
const CONCURRENCY = 4;
const PLACEHOLDER = 'mcp-gateway-doctor-unset';

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const rows: DoctorRow[] = [];
  const gateway = (check: string, status: CheckStatus, detail: string, fix = ''): void =>
    void rows.push({ backend: GATEWAY_ROW, transport: '-', check, status, detail, fix });
  const kind = options.service;

  let extra: Record<string, string> = {};
  if (options.envFile !== undefined) {
    try {
      const parsed = parseEnvFile(await readFile(options.envFile, 'utf8'));
      extra = parsed.values;
      if (parsed.badLines.length > 0) {
        gateway(
          'env file',
          'problem',
          `${options.envFile}: line ${parsed.badLines.join(', ')} is not NAME=value`,
          'write one NAME=value per line (# starts a comment); systemd ignores other lines',
        );
      } else {
        const count = Object.keys(extra).length;
        gateway('env file', 'ok', `${options.envFile}: ${count} variable${count === 1 ? '' : 's'}`);
      }
    } catch (error) {
      gateway(
        'env file',
        'problem',
        `${options.envFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        'run doctor as the service user with the file readable by it (mode 640, group mcp-gateway), or fix the path',
      );
    }
  }
  const env = serviceEnvironment(kind, options.env, extra);
  const path = env.PATH ?? '';

  if (kind !== 'none') await checkNode(kind, env, options, gateway);

  let text: string;
  try {
    text = await readFile(options.configPath, 'utf8');
  } catch (error) {
    gateway(
      'config',
      'problem',
      `${options.configPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      'pass the file the service uses with --config, readable by the user the service runs as',
    );
    return report(rows, path);
  }

  // Unset variables are found first, per backend, so that each gets its own row and fix; the file is then loaded
  // with stand-ins for them so that everything else can still be checked.
  const references = referencedVariables(text);
  const missing = new Set([...references.values()].flat().filter((name) => env[name] === undefined));
  const standIns = Object.fromEntries([...missing].map((name) => [name, `${PLACEHOLDER}-${name}`]));
  const rowsFor = (scope: string, transport: string): DoctorRow[] =>
    variableRows(scope, transport, references.get(scope) ?? [], env, options.env, kind);

  let loaded: LoadedConfig;
  try {
    loaded = await loadConfigFile(options.configPath, { ...env, ...standIns });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    rows.push(...rowsFor(GATEWAY_ROW, '-'));
    for (const [scope, names] of references) {
      if (scope !== GATEWAY_ROW && names.some((n) => missing.has(n))) rows.push(...rowsFor(scope, '?'));
    }
    // Unset variables were given stand-in values, which can fail validation in turn (a URL, a number).
    const fix =
      missing.size > 0
        ? 'set the variables above first (they were checked with stand-in values), then correct servers.yaml at the place named'
        : 'correct servers.yaml at the place named (mcp-gateway check shows all)';
    for (const problem of error.problems) gateway('config', 'problem', problem, fix);
    return report(rows, path);
  }
  gateway('config', 'ok', loaded.path);
  rows.push(...rowsFor(GATEWAY_ROW, '-').filter((r) => r.status === 'problem'));

  const scrub = createScrubber(loaded.secrets.filter((s) => !s.startsWith(PLACEHOLDER)));
  const backends = Object.values(loaded.config.backends);
  const perBackend = await mapLimit(backends, CONCURRENCY, async (backend) => {
    const own = rowsFor(backend.name, backend.transport);
    if (!backend.enabled) {
      return [row(backend, 'enabled', 'ok', 'enabled: false, so not checked')];
    }
    const unset = own.some((r) => r.status === 'problem');
    const checks = await checkBackend(backend, env, kind, options, unset);
    return [...own, ...checks].map((r) => ({ ...r, detail: scrub(r.detail), fix: scrub(r.fix) }));
  });
  rows.push(...perBackend.flat());
  return report(rows, path);
}

function report(rows: DoctorRow[], path: string): DoctorReport {
  return { rows, problems: rows.filter((r) => r.status === 'problem').length, path };
}

function row(
  backend: BackendConfig,
  check: string,
  status: CheckStatus,
  detail: string,
  fix = '',
): DoctorRow {
  return { backend: backend.name, transport: backend.transport, check, status, detail, fix };
}

/**
 * The variables each part of the file needs: `${NAME}` without a default, grouped by backend (or GATEWAY_ROW for
 * top-level keys). Expansion itself stays with config/env.ts; this only names what it will look up.
 */
export function referencedVariables(text: string): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  let raw: unknown;
  try {
    raw = parseYaml(text, { merge: true, maxAliasCount: 100 });
  } catch {
    return new Map(); // the load reports the syntax error with its position
  }
  const walk = (value: unknown, scope: string, depth: number, key?: string): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!found.has(scope)) found.set(scope, new Set());
        found.get(scope)!.add(match[1]!);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, scope, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        // backends.<name>.… belongs to that backend.
        walk(v, depth === 1 && key === 'backends' ? k : scope, depth + 1, k);
      }
    }
  };
  walk(raw, GATEWAY_ROW, 0);
  return new Map([...found].map(([scope, names]) => [scope, [...names].sort()]));
}

function variableRows(
  scope: string,
  transport: string,
  names: readonly string[],
  env: NodeJS.ProcessEnv,
  shell: NodeJS.ProcessEnv,
  kind: ServiceKind,
): DoctorRow[] {
  if (names.length === 0) return [];
  const missing = names.filter((n) => env[n] === undefined);
  if (missing.length === 0) {
    return [
      {
        backend: scope,
        transport,
        check: 'variables',
        status: 'ok',
        detail: `${names.join(', ')} set`,
        fix: '',
      },
    ];
  }
  return missing.map((name) => ({
    backend: scope,
    transport,
    check: `variable ${name}`,
    status: 'problem' as const,
    detail:
      kind !== 'none' && shell[name] !== undefined
        ? `\${${name}} is set in your shell, but a ${kind} service does not inherit it`
        : `\${${name}} is not set`,
    fix: `${whereToSet(kind, `${name}=…`)}, or write \${${name}:-default} in servers.yaml`,
  }));
}

/**
 * The node that the gateway's `#!/usr/bin/env node` line (and npx's) needs, on the service's PATH: a node installed
 * under a home directory (nvm, fnm, volta) is the classic "works in my shell, fails as a service".
 */
async function checkNode(
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

async function checkBackend(
  backend: BackendConfig,
  env: NodeJS.ProcessEnv,
  kind: ServiceKind,
  options: DoctorOptions,
  unset: boolean,
): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  if (backend.transport === 'stdio') {
    if (!backend.command.includes(PLACEHOLDER) && !backend.cwd.includes(PLACEHOLDER)) {
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
