/**
 * @module doctor/doctor: `mcp-gateway doctor`: checks every backend the way a service manager will run the gateway
 * (its PATH, its variables) and returns one row per check, each problem with its fix. It never changes anything;
 * only `start` runs backends (and stops them again).
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfigFile, type LoadedConfig } from '../config/index.js';
import { createScrubber } from '../scrub.js';
import { mapLimit } from '../concurrency.js';
import { checkBackend, checkNode } from './backend-checks.js';
import { GATEWAY_ROW, row, type CheckStatus, type DoctorOptions, type DoctorRow } from './rows.js';
import { parseEnvFile, serviceEnvironment } from './service-env.js';
import { STAND_IN, referencedVariables, variableRows } from './variables.js';

export interface DoctorReport {
  rows: DoctorRow[];
  problems: number;
  /** The PATH the checks used. */
  path: string;
}

/** Backends checked at once: probes wait on the network, starts on child processes. */
const CONCURRENCY = 4;

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
  const standIns = Object.fromEntries([...missing].map((name) => [name, `${STAND_IN}-${name}`]));
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

  const scrub = createScrubber(loaded.secrets.filter((s) => !s.startsWith(STAND_IN)));
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
