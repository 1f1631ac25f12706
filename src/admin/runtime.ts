/**
 * @module runtime: the gateway's backends changed while it runs, from the file (a reload) or the admin API. Every
 * change is applied as a diff (registry.apply): backends whose definition is the same keep their processes,
 * connections and client sessions; removed and redefined ones lose their sessions (404: their clients start over)
 * and their catalog entries, which are read again. Changes are applied one at a time, in the order they came.
 */
import { dirname } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { Discovery } from '../catalog/discovery.js';
import { ConfigError, loadConfigFile, type GatewayConfig, type LoadedConfig } from '../config/index.js';
import { collectSecrets } from '../config/redact.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { BackendDiff, BackendStatus, Registry } from '../registry/registry.js';
import type { SessionTable } from '../session/session-table.js';
import { entriesOf, validateEntries } from './backend-entries.js';
import { effectiveBackends, type BackendSource } from './effective-backends.js';
import type { RegistrationStore, Registrations } from './registrations.js';

/** Top-level keys a running gateway cannot take on: they need a new socket or a new state directory. */
const RESTART_KEYS = [
  'port',
  'host',
  'state_dir',
  'state',
  'enable_meta_mcp',
  'max_body_bytes',
  'session_idle_timeout',
  'pipelines',
  // The semantic ranking is built once, with its vectors' file: a changed endpoint or model takes a restart.
  'search',
  // Credentials and profiles are compiled once at start (hashes, globs, the JWKS client).
  'auth',
  'profiles',
  // The session store is opened once, with its key.
  'rest_sessions',
] as const satisfies ReadonlyArray<keyof GatewayConfig>;

export interface RuntimeDeps {
  registry: Registry;
  sessions: SessionTable;
  catalog: Catalog;
  /** Reads the tools of backends the catalog does not know (absent: nothing is read at once). */
  discovery?: Pick<Discovery, 'discoverMissing'> | undefined;
  metrics: Pick<Metrics, 'setBackends'>;
  log: Logger;
  store: RegistrationStore;
  /** What the store held at start, and where each backend served at start came from (effective-backends.ts). */
  registrations: Registrations;
  sources: Map<string, BackendSource>;
  /** Servers that are no configured backend but have tools in the catalog (the pipelines), by description. */
  virtualServers?: ReadonlyMap<string, string>;
  /** The config as loaded at start. */
  initial: Pick<LoadedConfig, 'config' | 'path'>;
  /** The file to reload; undefined when the config did not come from one. */
  configFile: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Told of the values no client and no log line may show that a change brought (the logger scrubs them too). */
  learnSecrets?: (secrets: readonly string[]) => void;
  /** Takes on the top-level keys that a running gateway can change (log level, allowed hosts and origins, …). */
  applyTopLevel(config: GatewayConfig): void;
}

export interface ServerStatus extends BackendStatus {
  source: BackendSource;
}

export type Outcome<T> =
  | ({ ok: true } & T)
  | { ok: false; status: 400 | 403 | 404 | 409; code: string; message: string; problems?: string[] };

export interface ReloadResult {
  generation: number;
  loaded_at: string;
  diff: BackendDiff;
  restart_needed: string[];
}

export interface ConfigStatus {
  path: string | undefined;
  generation: number;
  loaded_at: string;
  /** The last reload that was refused, while the config before it keeps serving. */
  last_error: { at: string; problems: string[] } | null;
}

export class Runtime {
  private file: GatewayConfig;
  private registrations: Registrations;
  private sources: Map<string, BackendSource>;
  private generation = 1;
  private loadedAt = new Date();
  private lastError: ConfigStatus['last_error'] = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RuntimeDeps) {
    this.file = deps.initial.config;
    this.registrations = deps.registrations;
    this.sources = deps.sources;
  }

  /** The admin settings now in force (the file's, as last loaded). */
  get admin(): GatewayConfig['admin'] {
    return this.file.admin;
  }

  status(): ConfigStatus {
    return {
      path: this.deps.configFile,
      generation: this.generation,
      loaded_at: this.loadedAt.toISOString(),
      last_error: this.lastError,
    };
  }

  servers(): ServerStatus[] {
    return this.deps.registry.status().map((s) => ({ ...s, source: this.sources.get(s.name) ?? 'file' }));
  }

  /** Reads the file again and applies what changed; an invalid file changes nothing and is reported. */
  reload(): Promise<Outcome<ReloadResult>> {
    return this.serial(async () => {
      const path = this.deps.configFile;
      if (path === undefined)
        return refuse(
          400,
          'no_config_file',
          'the gateway was not started from a config file: nothing to reload',
        );
      let loaded: LoadedConfig;
      try {
        loaded = await loadConfigFile(path, this.deps.env);
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems : [String(error)];
        this.lastError = { at: new Date().toISOString(), problems };
        this.deps.log.error({ path, problems }, 'config reload refused; the running config stays');
        return { ...refuse(400, 'invalid_config', `${path} is invalid; nothing was changed`), problems };
      }
      const restartNeeded = RESTART_KEYS.filter(
        (key) => JSON.stringify(loaded.config[key]) !== JSON.stringify(this.file[key]),
      );
      this.file = loaded.config;
      this.deps.applyTopLevel(loaded.config);
      const diff = await this.apply(loaded.secrets);
      this.generation++;
      this.loadedAt = new Date();
      this.lastError = null;
      const result = {
        generation: this.generation,
        loaded_at: this.loadedAt.toISOString(),
        diff,
        restart_needed: [...restartNeeded],
      };
      this.deps.log.info(result, 'config reloaded');
      if (restartNeeded.length > 0)
        this.deps.log.warn(
          { keys: restartNeeded },
          'changed keys take effect after a restart of the gateway',
        );
      return { ok: true, ...result };
    });
  }

  /**
   * Adds backends (or, with `name`, replaces the one the API added under that name). A name the file defines is
   * refused (409), and so is a stdio backend unless the config says `admin.allow_stdio: true` (403).
   */
  register(body: unknown, name?: string): Promise<Outcome<{ servers: string[]; diff: BackendDiff }>> {
    return this.serial(async () => {
      const parsed = entriesOf(body, name);
      if (!parsed.ok) return refuse(400, 'invalid_request', parsed.message);
      const names = Object.keys(parsed.entries);
      for (const n of names) {
        if (this.file.backends[n])
          return refuse(
            409,
            'defined_in_file',
            `backend "${n}" is defined in ${this.deps.initial.path}; change it there`,
          );
        const registered = this.registrations.servers[n] !== undefined;
        if (name === undefined && registered)
          return refuse(409, 'exists', `backend "${n}" exists already; PUT /api/v1/servers/${n} changes it`);
        if (name !== undefined && !registered)
          return refuse(404, 'not_found', `no backend "${n}" was added through the API`);
      }
      const valid = validateEntries(parsed.entries, this.configDir());
      if (!valid.ok)
        return {
          ...refuse(400, 'invalid_backend', 'the backend definition is invalid'),
          problems: valid.problems,
        };
      const stdio = names.filter((n) => valid.backends[n]!.transport === 'stdio');
      if (stdio.length > 0 && !this.file.admin.allow_stdio) {
        const message =
          `a stdio backend runs a program of the caller's choice (${stdio.join(', ')}): ` +
          'set admin.allow_stdio: true in the config file to allow adding or changing one';
        return refuse(403, 'stdio_not_allowed', message);
      }
      for (const n of names) this.registrations.servers[n] = parsed.entries[n]!;
      await this.deps.store.write(this.registrations);
      const diff = await this.apply(valid.secrets);
      return { ok: true, servers: names, diff };
    });
  }

  /** Removes a backend the API added; one the file defines is the file's to remove (409). */
  unregister(name: string): Promise<Outcome<{ diff: BackendDiff }>> {
    return this.serial(async () => {
      if (this.file.backends[name])
        return refuse(
          409,
          'defined_in_file',
          `backend "${name}" is defined in ${this.deps.initial.path}; remove it there`,
        );
      if (this.registrations.servers[name] === undefined)
        return refuse(404, 'not_found', `unknown backend "${name}"`);
      delete this.registrations.servers[name];
      delete this.registrations.enabled[name];
      await this.deps.store.write(this.registrations);
      return { ok: true, diff: await this.apply() };
    });
  }

  /** Enables or disables any backend; kept across restarts and reloads until changed again. */
  setEnabled(name: string, enabled: boolean): Promise<Outcome<{ diff: BackendDiff }>> {
    return this.serial(async () => {
      if (!this.sources.has(name)) return refuse(404, 'not_found', `unknown backend "${name}"`);
      this.registrations.enabled[name] = enabled;
      await this.deps.store.write(this.registrations);
      return { ok: true, diff: await this.apply() };
    });
  }

  /**
   * Takes the registrations another replica wrote (shared-registrations.ts) and applies them as this replica's
   * own changes would be: the same backends, served the same way, on every replica.
   */
  adopt(registrations: Registrations): Promise<BackendDiff> {
    return this.serial(async () => {
      // Whoever can write to Redis must not run programs here that this replica's config would refuse from its API.
      if (!this.file.admin.allow_stdio) {
        const stdio = Object.keys(registrations.servers).filter(
          (n) => registrations.servers[n]!.command !== undefined,
        );
        if (stdio.length > 0) {
          this.deps.log.warn(
            { backends: stdio },
            'shared registrations hold stdio backends; not run here without admin.allow_stdio: true',
          );
          const servers = { ...registrations.servers };
          for (const n of stdio) delete servers[n];
          registrations = { ...registrations, servers };
        }
      }
      this.registrations = registrations;
      await this.deps.store.keep(registrations);
      const diff = await this.apply();
      this.deps.log.info({ diff }, 'registrations of another replica applied');
      return diff;
    });
  }

  /** Stops a backend's processes and connections and clears its failures; its next use starts it again. */
  restart(name: string): Promise<Outcome<{ restarted: string }>> {
    return this.serial(async () => {
      if (!this.sources.has(name)) return refuse(404, 'not_found', `unknown backend "${name}"`);
      if (!this.deps.registry.enabledNames.includes(name))
        return refuse(409, 'disabled', `backend "${name}" is disabled; enable it first`);
      await this.deps.registry.restart(name);
      this.deps.log.info({ backend: name }, 'backend restarted by an admin');
      return { ok: true, restarted: name };
    });
  }

  private async apply(secrets: readonly string[] = []): Promise<BackendDiff> {
    const { registry, sessions, catalog, metrics } = this.deps;
    const effective = this.effective();
    const known = [
      ...secrets,
      ...effective.secrets,
      ...collectSecrets([], { ...this.file, backends: effective.backends }),
    ];
    this.deps.learnSecrets?.(known);
    const diff = await registry.apply(effective.backends, known);
    this.sources = effective.sources;
    await Promise.allSettled([...diff.removed, ...diff.changed].map((name) => sessions.closeEndpoint(name)));
    catalog.reconfigure(
      new Map([
        ...(this.deps.virtualServers ?? []),
        ...Object.values(effective.backends).map((b): [string, string] => [b.name, b.description]),
      ]),
      diff.changed,
    );
    metrics.setBackends(registry.names());
    if (diff.added.length + diff.changed.length > 0) void this.deps.discovery?.discoverMissing();
    return diff;
  }

  private effective() {
    return effectiveBackends(this.file, this.registrations, this.configDir(), this.deps.log);
  }

  private configDir(): string {
    return dirname(this.deps.initial.path);
  }

  /** Runs changes one at a time: concurrent API calls never interleave their reads and writes. */
  private serial<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function refuse(status: 400 | 403 | 404 | 409, code: string, message: string) {
  return { ok: false as const, status, code, message };
}
